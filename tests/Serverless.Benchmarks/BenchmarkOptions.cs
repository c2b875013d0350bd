using System.Globalization;

namespace Serverless.Benchmarks;

/// <summary>Sizes of one benchmark run; <see cref="Smoke"/> shrinks them so the whole run takes seconds.</summary>
public sealed record BenchmarkOptions
{
    public const string DefaultOutputPath = "benchmark-results/latest.json";

    public bool Smoke { get; init; }

    /// <summary>Run only the room chat step (--room-chat).</summary>
    public bool RoomChatOnly { get; init; }

    /// <summary>Run only the inbox reads step, search and unread_first included (--inbox).</summary>
    public bool InboxOnly { get; init; }

    /// <summary>Seconds of mixed load; null runs the regular steps instead of the soak.</summary>
    public int? SoakSeconds { get; init; }

    public string OutputPath { get; init; } = DefaultOutputPath;

    /// <summary>Notifications:DeliveryConcurrency of the host, and the concurrency of the ceiling inserts.</summary>
    public int DeliveryConcurrency { get; init; } = 16;

    public int CeilingInserts { get; init; } = 5_000;

    public int FanOutRecipients { get; init; } = 1_000;

    public int SingleRecipientEvents { get; init; } = 1_000;

    public int LatencySamples { get; init; } = 500;

    public TimeSpan LatencyGap { get; init; } = TimeSpan.FromMilliseconds(20);

    public int InboxRows { get; init; } = 10_000;

    public int InboxRepetitions { get; init; } = 200;

    /// <summary>Unread rows of the user whose mark-all-read is timed.</summary>
    public int MarkAllReadRows { get; init; } = 3_000;

    /// <summary>How long the idle queue polling is counted for.</summary>
    public TimeSpan IdleWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between scenarios so the queue runners finish the last deletes and back off to idle polling (100 ms doubling to 2 s).</summary>
    public TimeSpan SettleDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Room chat: connected members that must each receive every post of the latency part.</summary>
    public int ChatListeners { get; init; } = 10;

    public int ChatLatencySamples { get; init; } = 200;

    /// <summary>Room chat: members posting concurrently in one room (each also connected and receiving).</summary>
    public int ChatPosters { get; init; } = 50;

    public double ChatSeconds { get; init; } = 30;

    /// <summary>Concurrent load workers in the soak.</summary>
    public int SoakWorkers { get; init; } = 16;

    /// <summary>Upper bound on soak operations, so a fast machine cannot make the run unbounded in size.</summary>
    public int SoakMaxOperations { get; init; } = 500_000;

    public static BenchmarkOptions SmokeSizes(string outputPath) => new()
    {
        Smoke = true,
        OutputPath = outputPath,
        CeilingInserts = 200,
        FanOutRecipients = 50,
        SingleRecipientEvents = 50,
        LatencySamples = 20,
        LatencyGap = TimeSpan.FromMilliseconds(5),
        InboxRows = 200,
        InboxRepetitions = 20,
        MarkAllReadRows = 300,
        IdleWindow = TimeSpan.FromSeconds(2),
        SettleDelay = TimeSpan.FromSeconds(1),
        ChatLatencySamples = 10,
        ChatPosters = 10,
        ChatSeconds = 3,
    };

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var smoke = false;
        var roomChatOnly = false;
        var inboxOnly = false;
        int? soak = null;
        var output = DefaultOutputPath;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--smoke":
                    smoke = true;
                    break;
                case "--room-chat":
                    roomChatOnly = true;
                    break;
                case "--inbox":
                    inboxOnly = true;
                    break;
                case "--soak":
                    soak = 60;
                    if (i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                    {
                        soak = seconds;
                        i++;
                    }

                    break;
                case "--out" when i + 1 < args.Count:
                    output = args[++i];
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: [--smoke] [--room-chat] [--inbox] [--soak [seconds]] [--out path.json]");
            }
        }

        if (soak is < 1 or > 3600)
        {
            throw new ArgumentException("--soak takes 1 to 3600 seconds.");
        }

        var options = smoke ? SmokeSizes(output) : new BenchmarkOptions { OutputPath = output };
        return options with { SoakSeconds = soak, RoomChatOnly = roomChatOnly, InboxOnly = inboxOnly };
    }
}
