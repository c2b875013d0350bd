using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Auth;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Browser;

/// <summary>
/// The web app served by the standalone host on Azurite, in headless Debian Chromium driven by playwright-core
/// (e2e/browser-scenarios.mjs). Each scenario fails on any console error or uncaught exception in the page.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebAppBrowserTests(AzuriteFixture azurite) : IAsyncLifetime
{
    /// <summary>Debian's Chromium; .ci/run installs it when missing. CHROMIUM_PATH overrides.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ASignedInUserSeesAPublishedNotificationWithinTwoSecondsAndTheBadgeCountsIt()
    {
        var steps = await RunAsync("live");
        var appeared = steps.Single(s => s.TryGetProperty("step", out var step) && step.GetString() == "appeared");
        Assert.InRange(appeared.GetProperty("elapsedMs").GetInt32(), 0, 2000);
    }

    [Fact]
    public async Task MarkingReadInOneTabUpdatesTheBadgeInTheOtherAndMarkAllReadClearsBoth() => await RunAsync("tabs");

    [Fact]
    public async Task AfterTheConnectionDropsAndComesBackWhatWasPublishedMeanwhileAppearsOnceEachInOrder()
    {
        var steps = await RunAsync("reconnect");
        var recovered = steps.Single(s => s.TryGetProperty("step", out var step) && step.GetString() == "recovered");
        Assert.Equal([4, 3, 2, 1], recovered.GetProperty("shown").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task AnImageUploadedInARoomShowsItsPreviewInAnotherMembersTab() => await RunAsync("files");

    [Fact]
    public async Task AChatMessageReachesAnotherMembersTabWithTheTypingIndicatorBeforeIt() => await RunAsync("chat");

    [Fact]
    public async Task PreferencesSavedInTheAppAreThereAfterAReload() => await RunAsync("preferences");

    [Fact]
    public async Task OpeningTheBellClearsTheBadgeInEveryTabAndAfterAReloadWhileTheItemsStayUnread() => await RunAsync("seen");

    [Fact]
    public async Task AnArchivedItemLeavesTheInboxShowsInArchivedAndASecondTabFollowsLive() => await RunAsync("archive");

    [Fact]
    public async Task SearchFindsAnItemByAnAccentedWordTypedWithoutAccents() => await RunAsync("search");

    [Fact]
    public async Task UnreadFirstListsUnreadItemsBeforeReadOnes() => await RunAsync("unreadFirst");

    [Fact]
    public async Task ASnoozedItemLeavesTheInboxShowsInSnoozedAndUnsnoozeBringsItBack() => await RunAsync("snooze");

    /// <summary>
    /// The wake-up for real: the scenario snoozes an item for an hour in the open tab; this test moves the host's clock
    /// past it and runs the wake-up the minute timer runs; the item comes back at the top of the Inbox, unread.
    /// </summary>
    [Fact]
    public async Task ASnoozedItemWakingUpComesBackAtTheTopOfTheOpenInboxUnreadAndCounted()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync(azurite, configureServices: s => ManualClock.Use(s, clock));
        var tenant = RoomTestFilesTenant();
        var user = "u" + Guid.NewGuid().ToString("N")[..10];
        var scenario = RunAsync("wake", host: host, tenant: tenant, user: user);

        using var api = host.ClientFor(user, tenant);
        var snoozed = false;
        for (var started = DateTime.UtcNow; !snoozed && DateTime.UtcNow - started < TimeSpan.FromSeconds(60) && !scenario.IsCompleted; await Task.Delay(200))
        {
            using var response = await api.GetAsync("api/v1/notifications?snoozed=true");
            snoozed = response.IsSuccessStatusCode && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("items").GetArrayLength() == 1;
        }

        Assert.True(snoozed || scenario.IsCompleted, "the scenario never snoozed the item");
        if (snoozed)
        {
            clock.Advance(TimeSpan.FromMinutes(62));
            var run = await host.Services.GetRequiredService<Serverless.Core.Inbox.SnoozeWakeUp>().RunAsync(default);
            Assert.True(run.Woken >= 1, $"woke {run.Woken}");
        }

        var steps = await scenario;
        Assert.Contains(steps, s => s.TryGetProperty("step", out var step) && step.GetString() == "woken");
    }

    [Fact]
    public async Task ArchiveAllOfAFilterAfterConfirmingLeavesTheOtherItemsAndDeleteAllEmptiesArchived() => await RunAsync("bulk");

    [Fact]
    public async Task ThePagesRenderForTheScreenshots()
    {
        // WEBAPP_SCREENSHOT_DIR=docs keeps the pictures (that is how docs/*.png are made); otherwise a temporary folder.
        var keep = Environment.GetEnvironmentVariable("WEBAPP_SCREENSHOT_DIR") is { Length: > 0 } kept ? Path.GetFullPath(kept, NodeScript.RepositoryRoot) : null;
        var dir = keep ?? Path.Combine(Path.GetTempPath(), "webapp-shots-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunAsync("screenshots", dir);
            foreach (var name in new[] { "notification-center.png", "notification-center-snoozed.png", "room.png", "notification-center-phone.png" })
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(dir, name));
                Assert.True(bytes.Length > 5_000, $"{name} is {bytes.Length} bytes");
                Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            }
        }
        finally
        {
            if (keep is null && Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static readonly SemaphoreSlim ChromiumInstall = new(1, 1);

    /// <summary>
    /// On a fresh machine the test command installs Debian's Chromium itself (as root, or with passwordless sudo), so the
    /// README's one test command is enough; where neither is possible the assertion below says what to run.
    /// </summary>
    private static async Task EnsureChromiumAsync()
    {
        if (File.Exists(ChromiumPath) || Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 })
        {
            return;
        }

        await ChromiumInstall.WaitAsync();
        try
        {
            if (File.Exists(ChromiumPath))
            {
                return;
            }

            var asRoot = Environment.UserName == "root";
            var script = (asRoot ? "" : "sudo -n ") + "apt-get update -qq && DEBIAN_FRONTEND=noninteractive " + (asRoot ? "" : "sudo -n ") + "apt-get install -y -qq chromium";
            using var install = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", script])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            await Task.WhenAll(install.StandardOutput.ReadToEndAsync(), install.StandardError.ReadToEndAsync(), install.WaitForExitAsync());
        }
        finally
        {
            ChromiumInstall.Release();
        }
    }

    private async Task<List<JsonElement>> RunAsync(string scenario, string? screenshotDir = null, TestHost? host = null, string? tenant = null, string? user = null)
    {
        await EnsureChromiumAsync();
        Assert.True(File.Exists(ChromiumPath), $"Chromium is not at {ChromiumPath} and could not be installed: apt-get install -y chromium (.ci/run does it when missing).");
        host ??= _host;
        tenant ??= RoomTestFilesTenant();
        var arguments = JsonSerializer.Serialize(new
        {
            baseUrl = host.BaseAddress.ToString(),
            tenant,
            user,
            publishToken = host.Token("svc", tenant, Roles.Publish),
            chromium = ChromiumPath,
            screenshotDir,
        });
        var script = Path.Combine(AppContext.BaseDirectory, "e2e", "browser-scenarios.mjs");
        var result = await NodeScript.RunAsync("node", [script, scenario], NodeScript.RepositoryRoot, new Dictionary<string, string> { ["SCENARIO_ARGS"] = arguments }, TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, result.Describe());
        var steps = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
        Assert.Contains(steps, s => s.TryGetProperty("ok", out var ok) && ok.GetBoolean());
        return steps;
    }

    private static string RoomTestFilesTenant() => Rooms.RoomTestFiles.NewTenant();
}
