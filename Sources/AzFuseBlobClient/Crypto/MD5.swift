/// An incremental MD5 (RFC 1321) hasher, used for Azure's `Content-MD5` integrity checks, not for security.
package typealias MD5 = BlockHasher<MD5Compression>

/// The MD5 compression function, fully unrolled.
package struct MD5Compression: BlockCompression {
    package static let lengthIsBigEndian = false

    private var s0: UInt32 = 0x6745_2301
    private var s1: UInt32 = 0xefcd_ab89
    private var s2: UInt32 = 0x98ba_dcfe
    private var s3: UInt32 = 0x1032_5476

    package init() {}

    package mutating func compress(_ blocks: UnsafeRawBufferPointer) {
        var offset = 0
        while offset + 64 <= blocks.count {
            compressBlock(blocks.baseAddress! + offset)
            offset += 64
        }
    }

    package var digest: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for word in [s0, s1, s2, s3] {
            bytes.append(contentsOf: [
                UInt8(truncatingIfNeeded: word), UInt8(truncatingIfNeeded: word >> 8),
                UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 24),
            ])
        }
        return bytes
    }

    @inline(__always)
    private mutating func compressBlock(_ block: UnsafeRawPointer) {
        let x0 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let x1 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let x2 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let x3 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        let x4 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        let x5 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 20, as: UInt32.self))
        let x6 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
        let x7 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
        let x8 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 32, as: UInt32.self))
        let x9 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 36, as: UInt32.self))
        let x10 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 40, as: UInt32.self))
        let x11 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 44, as: UInt32.self))
        let x12 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 48, as: UInt32.self))
        let x13 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 52, as: UInt32.self))
        let x14 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 56, as: UInt32.self))
        let x15 = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 60, as: UInt32.self))
        var a = s0
        var b = s1
        var c = s2
        var d = s3
        a = Self.f(a, b, c, d, x0, 0xd76a_a478, 7)
        d = Self.f(d, a, b, c, x1, 0xe8c7_b756, 12)
        c = Self.f(c, d, a, b, x2, 0x2420_70db, 17)
        b = Self.f(b, c, d, a, x3, 0xc1bd_ceee, 22)
        a = Self.f(a, b, c, d, x4, 0xf57c_0faf, 7)
        d = Self.f(d, a, b, c, x5, 0x4787_c62a, 12)
        c = Self.f(c, d, a, b, x6, 0xa830_4613, 17)
        b = Self.f(b, c, d, a, x7, 0xfd46_9501, 22)
        a = Self.f(a, b, c, d, x8, 0x6980_98d8, 7)
        d = Self.f(d, a, b, c, x9, 0x8b44_f7af, 12)
        c = Self.f(c, d, a, b, x10, 0xffff_5bb1, 17)
        b = Self.f(b, c, d, a, x11, 0x895c_d7be, 22)
        a = Self.f(a, b, c, d, x12, 0x6b90_1122, 7)
        d = Self.f(d, a, b, c, x13, 0xfd98_7193, 12)
        c = Self.f(c, d, a, b, x14, 0xa679_438e, 17)
        b = Self.f(b, c, d, a, x15, 0x49b4_0821, 22)
        a = Self.g(a, b, c, d, x1, 0xf61e_2562, 5)
        d = Self.g(d, a, b, c, x6, 0xc040_b340, 9)
        c = Self.g(c, d, a, b, x11, 0x265e_5a51, 14)
        b = Self.g(b, c, d, a, x0, 0xe9b6_c7aa, 20)
        a = Self.g(a, b, c, d, x5, 0xd62f_105d, 5)
        d = Self.g(d, a, b, c, x10, 0x0244_1453, 9)
        c = Self.g(c, d, a, b, x15, 0xd8a1_e681, 14)
        b = Self.g(b, c, d, a, x4, 0xe7d3_fbc8, 20)
        a = Self.g(a, b, c, d, x9, 0x21e1_cde6, 5)
        d = Self.g(d, a, b, c, x14, 0xc337_07d6, 9)
        c = Self.g(c, d, a, b, x3, 0xf4d5_0d87, 14)
        b = Self.g(b, c, d, a, x8, 0x455a_14ed, 20)
        a = Self.g(a, b, c, d, x13, 0xa9e3_e905, 5)
        d = Self.g(d, a, b, c, x2, 0xfcef_a3f8, 9)
        c = Self.g(c, d, a, b, x7, 0x676f_02d9, 14)
        b = Self.g(b, c, d, a, x12, 0x8d2a_4c8a, 20)
        a = Self.h(a, b, c, d, x5, 0xfffa_3942, 4)
        d = Self.h(d, a, b, c, x8, 0x8771_f681, 11)
        c = Self.h(c, d, a, b, x11, 0x6d9d_6122, 16)
        b = Self.h(b, c, d, a, x14, 0xfde5_380c, 23)
        a = Self.h(a, b, c, d, x1, 0xa4be_ea44, 4)
        d = Self.h(d, a, b, c, x4, 0x4bde_cfa9, 11)
        c = Self.h(c, d, a, b, x7, 0xf6bb_4b60, 16)
        b = Self.h(b, c, d, a, x10, 0xbebf_bc70, 23)
        a = Self.h(a, b, c, d, x13, 0x289b_7ec6, 4)
        d = Self.h(d, a, b, c, x0, 0xeaa1_27fa, 11)
        c = Self.h(c, d, a, b, x3, 0xd4ef_3085, 16)
        b = Self.h(b, c, d, a, x6, 0x0488_1d05, 23)
        a = Self.h(a, b, c, d, x9, 0xd9d4_d039, 4)
        d = Self.h(d, a, b, c, x12, 0xe6db_99e5, 11)
        c = Self.h(c, d, a, b, x15, 0x1fa2_7cf8, 16)
        b = Self.h(b, c, d, a, x2, 0xc4ac_5665, 23)
        a = Self.i(a, b, c, d, x0, 0xf429_2244, 6)
        d = Self.i(d, a, b, c, x7, 0x432a_ff97, 10)
        c = Self.i(c, d, a, b, x14, 0xab94_23a7, 15)
        b = Self.i(b, c, d, a, x5, 0xfc93_a039, 21)
        a = Self.i(a, b, c, d, x12, 0x655b_59c3, 6)
        d = Self.i(d, a, b, c, x3, 0x8f0c_cc92, 10)
        c = Self.i(c, d, a, b, x10, 0xffef_f47d, 15)
        b = Self.i(b, c, d, a, x1, 0x8584_5dd1, 21)
        a = Self.i(a, b, c, d, x8, 0x6fa8_7e4f, 6)
        d = Self.i(d, a, b, c, x15, 0xfe2c_e6e0, 10)
        c = Self.i(c, d, a, b, x6, 0xa301_4314, 15)
        b = Self.i(b, c, d, a, x13, 0x4e08_11a1, 21)
        a = Self.i(a, b, c, d, x4, 0xf753_7e82, 6)
        d = Self.i(d, a, b, c, x11, 0xbd3a_f235, 10)
        c = Self.i(c, d, a, b, x2, 0x2ad7_d2bb, 15)
        b = Self.i(b, c, d, a, x9, 0xeb86_d391, 21)
        s0 &+= a
        s1 &+= b
        s2 &+= c
        s3 &+= d
    }

    @inline(__always)
    private static func f(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ k: UInt32, _ s: UInt32)
        -> UInt32
    {
        b &+ (a &+ ((b & c) | (~b & d)) &+ x &+ k).rotatedLeft(s)
    }

    @inline(__always)
    private static func g(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ k: UInt32, _ s: UInt32)
        -> UInt32
    {
        b &+ (a &+ ((b & d) | (c & ~d)) &+ x &+ k).rotatedLeft(s)
    }

    @inline(__always)
    private static func h(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ k: UInt32, _ s: UInt32)
        -> UInt32
    {
        b &+ (a &+ (b ^ c ^ d) &+ x &+ k).rotatedLeft(s)
    }

    @inline(__always)
    private static func i(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ k: UInt32, _ s: UInt32)
        -> UInt32
    {
        b &+ (a &+ (c ^ (b | ~d)) &+ x &+ k).rotatedLeft(s)
    }
}
