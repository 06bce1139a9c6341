import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// glibc's malloc gives each thread that contends for the heap an arena of its own (up to eight
/// per core) and keeps the pages of each after a peak. A service's consumers, pool slots and
/// NIO threads make many: the dispatcher's resident memory at its peak was 75 MiB with the
/// default, 67 MiB with two arenas (a 2,000-demand flow, debug build; the anonymous part went from
/// 26 to 19 MiB), for no measurable cost in throughput.
public enum MallocArenas {
    /// How many arenas a service uses unless `MALLOC_ARENA_MAX` says otherwise.
    public static let standard: Int32 = 2
    /// `M_ARENA_MAX` of glibc's <malloc.h> (not in Swift's Glibc module, nor is `mallopt`).
    static let arenaMaxParameter: Int32 = -8

    /// Caps the arenas at `standard`, unless the environment sets `MALLOC_ARENA_MAX` (glibc then
    /// reads it itself). Call it first thing, before the service starts its threads. Returns
    /// whether the cap was set here.
    @discardableResult
    public static func limit(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        #if canImport(Glibc)
            guard environment["MALLOC_ARENA_MAX"] == nil, let symbol = dlsym(nil, "mallopt") else { return false }
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            return unsafeBitCast(symbol, to: Mallopt.self)(arenaMaxParameter, standard) == 1
        #else
            return false
        #endif
    }
}
