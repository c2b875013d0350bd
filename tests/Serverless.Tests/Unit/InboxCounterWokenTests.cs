using Serverless.Core.Inbox;

namespace Serverless.Tests.Unit;

/// <summary>The counter's bounded list of woken seqs: unseen until a POST /seen covers them.</summary>
public sealed class InboxCounterWokenTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    // 500 items, all seen up to 500 at T0, nothing unseen.
    private static readonly InboxCounter Seen = (InboxCounter.Empty with { Seq = 500 }).WithSeen(500, 0, T0);

    [Fact]
    public void A_woken_item_below_the_watermark_is_unseen_until_a_seen_covers_it_and_one_above_is_counted_by_the_range()
    {
        var woken = Seen.WakeUnseen(7);
        Assert.Equal(1, woken.Unseen);
        Assert.True(woken.IsUnseen(7));
        Assert.False(woken.IsUnseen(8));
        Assert.Null(woken.SeenAt(7, T0.AddMinutes(1)));
        Assert.Equal(T0, woken.SeenAt(8));

        // Seen below the watermark: only the woken items it covers, and their seenAt is that step's time.
        Assert.Same(woken, woken.WithWokenSeen(6, T0.AddMinutes(2)));
        var seen = woken.WithWokenSeen(7, T0.AddMinutes(2));
        Assert.Equal(0, seen.Unseen);
        Assert.False(seen.IsUnseen(7));
        Assert.Equal(500, seen.SeenUpToSeq);
        Assert.Equal(T0.AddMinutes(2), seen.SeenAt(7, T0.AddMinutes(1)));
        Assert.Equal(T0, seen.SeenAt(3));

        var above = (Seen with { Seq = 600 }).WakeUnseen(550);
        Assert.Equal(1, above.Unseen);
        Assert.Equal("", above.Woken);
    }

    [Fact]
    public void The_woken_list_keeps_the_newest_hundred_and_a_dropped_one_counts_as_seen()
    {
        var counter = Seen;
        for (var seq = 1L; seq <= InboxCounter.MaxWoken + 5; seq++)
        {
            counter = counter.WakeUnseen(seq);
        }

        Assert.Equal(InboxCounter.MaxWoken, counter.Unseen);
        Assert.Equal(Enumerable.Range(6, InboxCounter.MaxWoken).Select(i => (long)i), counter.WokenSeqs());
        Assert.False(counter.IsUnseen(5));
        Assert.True(counter.IsUnseen(6));

        // Waking one already on the list changes nothing.
        Assert.Same(counter, counter.WakeUnseen(50));
    }

    [Fact]
    public void Leaving_the_unseen_set_takes_a_woken_seq_off_the_list_and_a_watermark_move_clears_the_list()
    {
        var counter = Seen.WakeUnseen(3).WakeUnseen(9);
        var left = counter.LeaveUnseen([9, 400]);
        Assert.Equal(1, left.Unseen);
        Assert.Equal([3L], left.WokenSeqs());

        var moved = (counter with { Seq = 520, Unseen = counter.Unseen + 20 }).WithSeen(510, 10, T0.AddMinutes(5));
        Assert.Equal("", moved.Woken);
        Assert.Equal(10, moved.Unseen);
        Assert.False(moved.IsUnseen(3));
    }
}
