import AzFuse
