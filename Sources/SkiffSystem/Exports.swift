// The C wrappers (xattrs, openat2, mount API) are part of what this module offers its callers.
@_exported import CSystem
