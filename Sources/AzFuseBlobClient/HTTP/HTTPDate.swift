import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Formats and parses the two date forms Azure Blob uses: RFC 1123 (`x-ms-date`, `Last-Modified`) and the ISO 8601
/// second-precision form of SAS start and expiry times. Built on `gmtime_r`/`timegm`, so it is thread-safe and
/// locale-independent.
enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Fri, 26 Jun 2015 23:39:12 GMT`.
    static func rfc1123(_ date: Date) -> String {
        let parts = brokenDown(date)
        return String(
            format: "%@, %02d %@ %04d %02d:%02d:%02d GMT", weekdays[Int(parts.tm_wday)], parts.tm_mday,
            months[Int(parts.tm_mon)], parts.tm_year + 1900, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// `2015-06-26T23:39:12Z`.
    static func iso8601(_ date: Date) -> String {
        let parts = brokenDown(date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// Parses an RFC 1123 date such as `Fri, 26 Jun 2015 23:39:12 GMT`; `nil` if it is not one.
    static func parseRFC1123(_ text: String) -> Date? {
        let fields = text.split(separator: " ")
        guard fields.count == 6, fields[5] == "GMT",
            let day = Int32(fields[1]), let monthIndex = months.firstIndex(of: String(fields[2])),
            let year = Int32(fields[3])
        else { return nil }
        let clock = fields[4].split(separator: ":").compactMap { Int32($0) }
        guard clock.count == 3 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = Int32(monthIndex)
        parts.tm_mday = day
        parts.tm_hour = clock[0]
        parts.tm_min = clock[1]
        parts.tm_sec = clock[2]
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    private static func brokenDown(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }
}
