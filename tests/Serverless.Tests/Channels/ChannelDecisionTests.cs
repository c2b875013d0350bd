using Serverless.Core.Channels;
using Serverless.Core.Notifications.Templates;

namespace Serverless.Tests.Channels;

/// <summary>The per-recipient channel rules, with the clock and the capabilities as inputs.</summary>
public sealed class ChannelDecisionTests
{
    private static readonly ChannelCapabilities All = new(Email: true, MobilePush: true);
    private static readonly TemplateChannels Templates = TemplateChannels.LoadEmbedded(TemplateCatalog.LoadEmbedded());

    // 2026-12-01 is winter time in Paris (UTC+1).
    private static readonly DateTimeOffset ParisNight = new(2026, 12, 1, 22, 30, 0, TimeSpan.Zero); // 23:30 in Paris
    private static readonly DateTimeOffset ParisMorning = new(2026, 12, 2, 7, 30, 0, TimeSpan.Zero); // 08:30 in Paris

    [Fact]
    public void OverdueTask_ForAUserWithoutPreferences_GoesInAppAndByEmail()
    {
        var plan = Decide("task.overdue", "high", NotificationPreferences.Default, ParisMorning);

        Assert.True(plan.SendEmail);
        Assert.False(plan.SendPush);
        Assert.Equal(DeliveryStatuses.Sent, Status(plan, ChannelNames.Web));
        Assert.Equal(DeliveryStatuses.Pending, Status(plan, ChannelNames.Email));
        Assert.Null(Status(plan, ChannelNames.MobilePush));
    }

    [Fact]
    public void QuietHoursInParis_HoldEmailUntilTheyEnd_AndSkipPush()
    {
        var preferences = Parse("""{"quietHours":{"start":"22:00","end":"07:00","timeZone":"Europe/Paris"}}""");

        var plan = Decide("system.announcement", "high", preferences, ParisNight);

        Assert.False(plan.SendEmail);
        Assert.False(plan.SendPush);
        Assert.Equal(DeliveryStatuses.Held, Status(plan, ChannelNames.Email, out var reason));
        Assert.Equal(ChannelDecision.ReasonQuietHours, reason);
        Assert.Equal(DeliveryStatuses.Skipped, Status(plan, ChannelNames.MobilePush, out var pushReason));
        Assert.Equal(ChannelDecision.ReasonQuietHours, pushReason);
        // 07:00 in Paris is 06:00 UTC the next morning.
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero), plan.HoldEmailUntil);
    }

    [Fact]
    public void QuietHours_OutsideTheWindow_HoldNothing()
    {
        var preferences = Parse("""{"quietHours":{"start":"22:00","end":"07:00","timeZone":"Europe/Paris"}}""");

        var plan = Decide("task.overdue", "high", preferences, ParisMorning);

        Assert.True(plan.SendEmail);
    }

    [Fact]
    public void QuietHoursEnd_FollowsTheSummerTimeOffset()
    {
        var preferences = Parse("""{"quietHours":{"start":"22:00","end":"07:00","timeZone":"Europe/Paris"}}""");
        var summerNight = new DateTimeOffset(2026, 7, 1, 21, 0, 0, TimeSpan.Zero); // 23:00 in Paris (UTC+2)

        var plan = Decide("task.overdue", "high", preferences, summerNight);

        Assert.Equal(new DateTimeOffset(2026, 7, 2, 5, 0, 0, TimeSpan.Zero), plan.HoldEmailUntil);
    }

    [Fact]
    public void CriticalPriority_IgnoresTypeOffChannelSwitchesAndQuietHours()
    {
        var preferences = Parse("""
            {"channels":{"email":false,"mobile_push":false},"types":{"report.generated":"off"},
             "quietHours":{"start":"22:00","end":"07:00","timeZone":"Europe/Paris"}}
            """);

        var plan = Decide("report.generated", "critical", preferences, ParisNight);

        Assert.Equal(DeliveryStatuses.Sent, Status(plan, ChannelNames.Web));
        // report.generated defaults to in-app only; critical keeps exactly its defaults.
        Assert.False(plan.SendEmail);
        var announcement = Decide("system.announcement", "critical", preferences, ParisNight);
        Assert.True(announcement.SendEmail);
        Assert.True(announcement.SendPush);
    }

    [Fact]
    public void TypeSwitchedOff_SkipsEveryChannel_WithTheReason()
    {
        var plan = Decide("task.overdue", "high", Parse("""{"types":{"task.overdue":"off"}}"""), ParisMorning);

        Assert.False(plan.SendEmail);
        Assert.Equal(DeliveryStatuses.Skipped, Status(plan, ChannelNames.Email, out var reason));
        Assert.Equal(ChannelDecision.ReasonPreference, reason);
        Assert.Equal(DeliveryStatuses.Skipped, Status(plan, ChannelNames.Web));
    }

    [Fact]
    public void ChannelSwitchedOff_SkipsThatChannelEvenWhenTheTypeAsksForIt()
    {
        var preferences = Parse("""{"channels":{"email":false},"types":{"task.assigned":["web","email","mobile_push"]}}""");

        var plan = Decide("task.assigned", "normal", preferences, ParisMorning);

        Assert.False(plan.SendEmail);
        Assert.True(plan.SendPush);
        Assert.Equal(ChannelDecision.ReasonChannelOff, Reason(plan, ChannelNames.Email));
    }

    [Fact]
    public void Sms_IsRecordedAsSkippedBecauseTheChannelIsUnavailable()
    {
        var plan = Decide("task.assigned", "normal", Parse("""{"types":{"task.assigned":["web","sms"]}}"""), ParisMorning);

        Assert.Equal(DeliveryStatuses.Skipped, Status(plan, ChannelNames.Sms, out var reason));
        Assert.Equal(ChannelDecision.ReasonUnavailable, reason);
    }

    [Fact]
    public void UserWithoutAnAddress_IsSkippedNotFailed()
    {
        var plan = ChannelDecision.Decide("task.overdue", "high", Templates.DefaultsFor("task.overdue"), NotificationPreferences.Default, All, hasEmailAddress: false, ParisMorning);

        Assert.False(plan.SendEmail);
        Assert.Equal(ChannelDecision.ReasonNoAddress, Reason(plan, ChannelNames.Email));
    }

    [Fact]
    public void DailyDigest_HoldsNormalEmailUntilTheLocalHour_ButNotHighPriority()
    {
        var preferences = Parse("""{"types":{"task.assigned":["web","email"]},"digest":{"frequency":"daily","hour":8},"quietHours":{"start":"23:45","end":"23:50","timeZone":"Europe/Paris"}}""");

        var normal = Decide("task.assigned", "normal", preferences, ParisMorning);
        var high = Decide("task.assigned", "high", preferences, ParisMorning);

        Assert.Equal(DeliveryStatuses.Held, Status(normal, ChannelNames.Email, out var reason));
        Assert.Equal(ChannelDecision.ReasonDigest, reason);
        // 08:30 Paris now: next 08:00 Paris is tomorrow 07:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 7, 0, 0, TimeSpan.Zero), normal.HoldEmailUntil);
        Assert.True(high.SendEmail);
    }

    [Fact]
    public void HourlyDigest_IsDueAtTheTopOfTheNextHour()
    {
        var preferences = Parse("""{"types":{"task.completed":["web","email"]},"digest":{"frequency":"hourly","hour":0}}""");

        var plan = Decide("task.completed", "low", preferences, new DateTimeOffset(2026, 12, 1, 10, 17, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2026, 12, 1, 11, 0, 0, TimeSpan.Zero), plan.HoldEmailUntil);
        Assert.Equal("2026120111", ChannelDecision.Bucket(plan.HoldEmailUntil!.Value));
    }

    [Fact]
    public void UnconfiguredChannels_AreRecordedAsUnavailable()
    {
        var plan = ChannelDecision.Decide("meeting.reminder", "normal", Templates.DefaultsFor("meeting.reminder"), NotificationPreferences.Default, new(false, false), true, ParisMorning);

        Assert.Equal(ChannelDecision.ReasonUnavailable, Reason(plan, ChannelNames.MobilePush));
        Assert.False(plan.SendPush);
    }

    [Fact]
    public void TemplateDefaults_ListInAppFirst_AndEmailForOverdueAndExpiring()
    {
        foreach (var type in Templates.Catalog.Types)
        {
            Assert.Contains(ChannelNames.Web, Templates.DefaultsFor(type));
        }

        Assert.Contains(ChannelNames.Email, Templates.DefaultsFor("task.overdue"));
        Assert.Contains(ChannelNames.Email, Templates.DefaultsFor("mandat.overdue"));
        Assert.Contains(ChannelNames.Email, Templates.DefaultsFor("document.expiring"));
        Assert.Equal([ChannelNames.Web], Templates.DefaultsFor("task.assigned"));
    }

    [Theory]
    [InlineData("mandat.overdue", NotificationPriority.High)]
    [InlineData("organisation.assigned", NotificationPriority.High)]
    [InlineData("task.overdue", NotificationPriority.High)]
    [InlineData("note.mentioned", NotificationPriority.High)]
    [InlineData("document.expiring", NotificationPriority.High)]
    [InlineData("meeting.reminder", NotificationPriority.Normal)]
    [InlineData("pipeline.stage_changed", NotificationPriority.Normal)]
    [InlineData("system.announcement", NotificationPriority.Critical)]
    public void TemplatePriorities_FollowTheCrmTable(string type, NotificationPriority expected)
    {
        Assert.True(Templates.Catalog.TryGet(type, out var template));
        Assert.Equal(expected, template.Priority);
    }

    [Fact]
    public void TemplateWithoutInApp_IsRefusedWhenTheCatalogueLoads()
    {
        var catalog = TemplateCatalog.LoadEmbedded();

        var error = Assert.Throws<InvalidOperationException>(() => TemplateChannels.Parse(catalog, """{"task.assigned":{"channels":["email"]}}"""));
        Assert.Contains("web", error.Message, StringComparison.Ordinal);
    }

    private static NotificationPreferences Parse(string json) => NotificationPreferences.Parse(System.Text.Encoding.UTF8.GetBytes(json), Templates);

    private static ChannelPlan Decide(string type, string priority, NotificationPreferences preferences, DateTimeOffset now) =>
        ChannelDecision.Decide(type, priority, Templates.DefaultsFor(type), preferences, All, hasEmailAddress: true, now);

    private static string? Status(ChannelPlan plan, string channel) => Status(plan, channel, out _);

    private static string? Status(ChannelPlan plan, string channel, out string? reason)
    {
        var record = plan.Records.FirstOrDefault(r => r.Channel == channel);
        reason = record?.Reason;
        return record?.Status;
    }

    private static string? Reason(ChannelPlan plan, string channel) => plan.Records.FirstOrDefault(r => r.Channel == channel)?.Reason;
}
