using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Serverless.Core.Auth;
using Serverless.Core.Channels;
using Serverless.Core.Hosting;
using Serverless.Core.Notifications;
using Serverless.Tests.Infrastructure;
using SmtpServer.Protocol;

namespace Serverless.Tests.Channels;

/// <summary>
/// The email channel end to end: publish over HTTP, the processor, the dispatch and email queues, MailKit, and a real SMTP
/// server (the SmtpServer package on loopback) receiving the mail.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EmailChannelTests(AzuriteFixture azurite)
{
    private static readonly object OverdueData = new { task = new { title = "<b>Q3</b> & co", dueDate = "2026-12-01" } };

    [Fact]
    public async Task OverdueTask_SendsOneEmail_WithEscapedHtml_PlainText_AndListUnsubscribe()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = await TestHost.StartAsync(azurite, smtp.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var alice = await ChannelTestKit.UserWithEmailAsync(host, tenant, "alice", "alice@example.test");
        var sent = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NotificationMetrics.MeterName && instrument.Name == "notifications.channel.deliveries")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var t = tags.ToArray().ToDictionary(k => k.Key, k => k.Value as string);
            if (t.GetValueOrDefault("channel") == ChannelNames.Email && t.GetValueOrDefault("outcome") == DeliveryStatuses.Sent)
            {
                Interlocked.Add(ref sent, (int)value);
            }
        });
        listener.Start();

        var eventId = await ChannelTestKit.PublishAsync(host, tenant, "task.overdue", ["alice"], OverdueData);
        var item = await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.Email, DeliveryStatuses.Sent);

        var mail = Assert.Single(smtp.To("alice@example.test"));
        Assert.Equal("Task overdue: <b>Q3</b> & co", mail.Subject);
        Assert.Contains("&lt;b&gt;Q3&lt;/b&gt; &amp; co", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>Q3</b>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("The task \"<b>Q3</b> & co\" was due on 2026-12-01", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal("<https://app.example.test/settings/notifications>", mail.Headers["List-Unsubscribe"]);
        Assert.Contains($"https://app.example.test/notifications/{item.GetProperty("id").GetString()}", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal("notify@example.test", mail.From.Mailboxes.Single().Address);
        Assert.StartsWith(eventId + ".", mail.MessageId, StringComparison.Ordinal);
        Assert.Equal(DeliveryStatuses.Sent, ChannelTestKit.DeliveryStatus(item, ChannelNames.Web, out _));
        Assert.True(Volatile.Read(ref sent) >= 1, "notifications.channel.deliveries{channel=email,outcome=sent} was not counted");
    }

    [Fact]
    public async Task RedeliveredEventAndEmailMessages_SendNoSecondEmail()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = await TestHost.StartAsync(azurite, smtp.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var alice = await ChannelTestKit.UserWithEmailAsync(host, tenant, "alice", "alice@example.test");
        var envelope = new EventEnvelope
        {
            EventId = "evt_" + Guid.CreateVersion7().ToString("N"),
            TenantId = tenant,
            Type = "task.overdue",
            UserIds = ["alice"],
            Data = System.Text.Json.JsonSerializer.SerializeToElement(OverdueData),
            Priority = "high",
            Channel = "email",
            TtlSeconds = 3600,
            CreatedAt = DateTimeOffset.UtcNow,
        };

        await ProcessAsync(host, envelope);
        var item = await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.Email, DeliveryStatuses.Sent);

        // The event message again (a redelivery after a crash), and the email message itself twice more.
        await ProcessAsync(host, envelope);
        var email = new ChannelMessage { TenantId = tenant, UserId = "alice", EventId = envelope.EventId, Seq = item.GetProperty("seq").GetInt64(), Email = "alice@example.test" };
        var delivery = host.Services.GetRequiredService<EmailDelivery>();
        await Task.WhenAll(
            delivery.SendAsync(new QueueMessageContext("m1", email.Serialize(), 2), default),
            delivery.SendAsync(new QueueMessageContext("m1", email.Serialize(), 3), default));
        await Task.Delay(TimeSpan.FromSeconds(3)); // the redelivered event's dispatch and email messages run meanwhile

        Assert.Single(smtp.To("alice@example.test"));
        var page = await alice.GetAsync("api/v1/notifications").ExpectJsonAsync();
        Assert.Equal(1, page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task UserWithoutAnAddress_IsRecordedAsSkipped_AndNothingIsSent()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = await TestHost.StartAsync(azurite, smtp.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var bob = host.ClientFor("bob", tenant);

        await ChannelTestKit.PublishAsync(host, tenant, "task.overdue", ["bob"], OverdueData);
        var item = await ChannelTestKit.EventuallyStatusAsync(bob, 1, ChannelNames.Email, DeliveryStatuses.Skipped);

        Assert.Equal(DeliveryStatuses.Skipped, ChannelTestKit.DeliveryStatus(item, ChannelNames.Email, out var reason));
        Assert.Equal(ChannelDecision.ReasonNoAddress, reason);
        Assert.Empty(smtp.Messages);
    }

    [Fact]
    public async Task TypeSwitchedOff_SendsNoEmail_ButACriticalEventIgnoresTheSwitches()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = await TestHost.StartAsync(azurite, smtp.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var alice = await ChannelTestKit.UserWithEmailAsync(host, tenant, "alice", "alice@example.test");
        await Put(alice, """{"channels":{"email":false},"types":{"task.overdue":"off"}}""");

        await ChannelTestKit.PublishAsync(host, tenant, "task.overdue", ["alice"], OverdueData);
        var skipped = await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.Email, DeliveryStatuses.Skipped);
        await ChannelTestKit.PublishAsync(host, tenant, "task.overdue", ["alice"], OverdueData, priority: "critical");
        var critical = await ChannelTestKit.EventuallyStatusAsync(alice, 2, ChannelNames.Email, DeliveryStatuses.Sent);

        ChannelTestKit.DeliveryStatus(skipped, ChannelNames.Email, out var reason);
        Assert.Equal(ChannelDecision.ReasonPreference, reason);
        Assert.Equal(2, critical.GetProperty("seq").GetInt64());
        Assert.Single(smtp.To("alice@example.test"));
    }

    [Fact]
    public async Task QuietHours_HoldEmail_ThenOneDigestListsTheUnreadItemsNewestFirst()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var night = new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date.AddHours(22).AddMinutes(30), TimeSpan.Zero); // 23:30 or 00:30 in Paris
        var clock = new ManualClock(night);
        await using var host = await TestHost.StartAsync(azurite, smtp.Settings(), services => ManualClock.Use(services, clock));
        var tenant = ChannelTestKit.NewTenant();
        using var alice = await ChannelTestKit.UserWithEmailAsync(host, tenant, "alice", "alice@example.test");
        await Put(alice, """{"quietHours":{"start":"22:00","end":"07:00","timeZone":"Europe/Paris"}}""");

        var seq = 0;
        foreach (var title in new[] { "first", "second", "third" })
        {
            await ChannelTestKit.PublishAsync(host, tenant, "task.overdue", ["alice"], new { task = new { title, dueDate = "today" } });
            await ChannelTestKit.EventuallyStatusAsync(alice, ++seq, ChannelNames.Email, DeliveryStatuses.Held);
        }

        using (var read = await alice.PatchAsync("api/v1/notifications/2/read", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, read.StatusCode);
        }

        var digest = host.Services.GetRequiredService<ChannelDigest>();
        await digest.RunAsync(default);
        Assert.Empty(smtp.Messages); // still night

        clock.Advance(TimeSpan.FromHours(9)); // 08:30 or 09:30 in Paris
        await digest.RunAsync(default);
        await digest.RunAsync(default);

        var mail = Assert.Single(smtp.To("alice@example.test"));
        Assert.Equal("2 new notifications", mail.Subject);
        var text = mail.TextBody ?? "";
        Assert.True(text.IndexOf("Task overdue: third", StringComparison.Ordinal) < text.IndexOf("Task overdue: first", StringComparison.Ordinal), text);
        Assert.DoesNotContain("second", text, StringComparison.Ordinal);
        Assert.Contains("https://app.example.test/notifications/3", text, StringComparison.Ordinal);
        var items = (await alice.GetAsync("api/v1/notifications").ExpectJsonAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(DeliveryStatuses.Sent, ChannelTestKit.DeliveryStatus(items.Single(i => i.GetProperty("seq").GetInt64() == 3), ChannelNames.Email, out _));
        Assert.Equal(DeliveryStatuses.Skipped, ChannelTestKit.DeliveryStatus(items.Single(i => i.GetProperty("seq").GetInt64() == 2), ChannelNames.Email, out var readReason));
        Assert.Equal("read", readReason);
    }

    [Fact]
    public async Task RefusingMailServer_RetriesWithBackOff_ThenDeadLetters_AndReplaySendsOnce()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.RejectWith = new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "5.1.1 mailbox unavailable");
        await using var host = await TestHost.StartAsync(azurite, smtp.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var alice = await ChannelTestKit.UserWithEmailAsync(host, tenant, "alice", "alice@example.test");

        await ChannelTestKit.PublishAsync(host, tenant, "task.overdue", ["alice"], OverdueData);
        var failed = await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.Email, DeliveryStatuses.Failed);
        var deadLetters = await ChannelTestKit.DeadLettersAsync(host, tenant);

        Assert.Equal(DeliveryStatuses.Failed, ChannelTestKit.DeliveryStatus(failed, ChannelNames.Email, out _));
        Assert.Equal(3, smtp.Attempts); // Channels:MaxAttempts
        var letter = Assert.Single(deadLetters);
        Assert.Equal(StorageNames.EmailQueue, letter.GetString("Queue"));
        Assert.Contains("550", letter.GetString("Error"), StringComparison.Ordinal);
        Assert.Contains("mailbox unavailable", letter.GetString("Error"), StringComparison.Ordinal);

        smtp.RejectWith = null;
        using var admin = host.ClientFor("admin", tenant, Roles.Admin);
        using (var replay = await admin.PostAsync($"api/v1/admin/dead-letters/{letter.RowKey}/replay", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        await ChannelTestKit.EventuallyStatusAsync(alice, 1, ChannelNames.Email, DeliveryStatuses.Sent);
        Assert.Single(smtp.To("alice@example.test"));
    }

    [Fact]
    public async Task ProducerSuppliedAddresses_AreUsedForUsersWithoutARecordedOne()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = await TestHost.StartAsync(azurite, smtp.Settings());
        var tenant = ChannelTestKit.NewTenant();
        using var carol = host.ClientFor("carol", tenant);
        using var dave = host.ClientFor("dave", tenant);
        using var publisher = host.ClientFor("producer", tenant, Roles.Publish);

        await publisher.PostJsonAsync("api/v1/events", new
        {
            type = "task.overdue",
            recipients = new { userIds = new[] { "carol", "dave" }, emails = new Dictionary<string, string> { ["carol"] = "carol@example.test" } },
            data = OverdueData,
        }).ExpectJsonAsync(HttpStatusCode.Accepted);
        await ChannelTestKit.EventuallyStatusAsync(carol, 1, ChannelNames.Email, DeliveryStatuses.Sent);
        await ChannelTestKit.EventuallyStatusAsync(dave, 1, ChannelNames.Email, DeliveryStatuses.Skipped);

        Assert.Single(smtp.To("carol@example.test"));
        Assert.Single(smtp.Messages);
    }

    [Theory]
    [InlineData("stranger", "s@example.test")]
    [InlineData("carol", "not an address")]
    [InlineData("carol", "Carol <carol@example.test>")]
    public async Task ProducerSuppliedAddresses_ForNonRecipientsOrMalformed_AreA400(string userId, string address)
    {
        await using var host = await TestHost.StartAsync(azurite);
        using var publisher = host.ClientFor("producer", ChannelTestKit.NewTenant(), Roles.Publish);

        using var response = await publisher.PostJsonAsync("api/v1/events", new
        {
            type = "task.overdue",
            recipients = new { userIds = new[] { "carol" }, emails = new Dictionary<string, string> { [userId] = address } },
        });

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public void SplittingAnEvent_GivesEachPartOnlyItsRecipientsAddresses()
    {
        var envelope = new EventEnvelope
        {
            EventId = "evt_1", TenantId = "t", Type = "task.overdue", UserIds = ["a", "b", "c"], Priority = "high", Channel = "email",
            Emails = new Dictionary<string, string> { ["a"] = "a@example.test", ["c"] = "c@example.test" },
        };

        var first = envelope.ForRecipients("0.0", ["a", "b"]);
        var second = envelope.ForRecipients("0.1", ["b"]);

        Assert.Equal(["a"], first.Emails!.Keys);
        Assert.Null(second.Emails);
        Assert.Equal("0.0", first.Chunk);
    }

    [Fact]
    public async Task WithoutAnSmtpHost_EmailIsOff_AndDeliveryAddsNoChannelWork()
    {
        await using var host = await TestHost.StartAsync(azurite);
        var tenant = ChannelTestKit.NewTenant();
        using var alice = await ChannelTestKit.UserWithEmailAsync(host, tenant, "alice", "alice@example.test");

        await ChannelTestKit.PublishAsync(host, tenant, "task.overdue", ["alice"], OverdueData);
        var item = await ApiAssertions.EventuallyAsync(
            () => alice.GetAsync("api/v1/notifications").ExpectJsonAsync(), p => p.GetProperty("items").GetArrayLength() == 1);

        Assert.False(host.Services.GetRequiredService<ChannelDispatcher>().Active);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, item.GetProperty("items")[0].GetProperty("deliveries").ValueKind);
    }

    private static async Task ProcessAsync(TestHost host, EventEnvelope envelope)
    {
        await using var scope = host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<NotificationProcessor>().ProcessAsync(envelope, default);
    }

    private static async Task Put(HttpClient client, string body)
    {
        using var response = await client.PutAsync("api/v1/notifications/preferences", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
