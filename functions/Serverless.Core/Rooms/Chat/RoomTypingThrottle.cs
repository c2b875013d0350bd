using System.Collections.Concurrent;

namespace Serverless.Core.Rooms.Chat;

/// <summary>
/// At most one typing broadcast per tenant|room|user per interval, in memory only (typing is never stored). Per instance:
/// with N instances a user's typing can be broadcast up to N times per interval.
/// </summary>
public sealed class RoomTypingThrottle(TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    private const int PruneThreshold = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);
    private long _lastPruneTicks;

    /// <summary>True when a broadcast may go out now (and records it); false inside the interval of the previous one.</summary>
    public bool TryAcquire(string tenantId, string roomId, string userId)
    {
        var now = time.GetUtcNow();
        var key = tenantId + "|" + roomId + "|" + userId;
        var lastPrune = Interlocked.Read(ref _lastPruneTicks);
        if (_last.Count > PruneThreshold && now.UtcTicks - lastPrune >= Interval.Ticks
            && Interlocked.CompareExchange(ref _lastPruneTicks, now.UtcTicks, lastPrune) == lastPrune)
        {
            // Entries older than the interval decide nothing any more; dropping them (at most once per interval, by one
            // caller) keeps memory bounded.
            foreach (var (staleKey, at) in _last)
            {
                if (now - at >= Interval)
                {
                    _last.TryRemove(new KeyValuePair<string, DateTimeOffset>(staleKey, at));
                }
            }
        }

        while (true)
        {
            if (_last.TryGetValue(key, out var previous))
            {
                if (now - previous < Interval)
                {
                    return false;
                }

                if (_last.TryUpdate(key, now, previous))
                {
                    return true;
                }
            }
            else if (_last.TryAdd(key, now))
            {
                return true;
            }
        }
    }
}
