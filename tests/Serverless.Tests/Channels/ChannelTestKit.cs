using System.Net.Http.Headers;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Core.Storage;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Channels;

/// <summary>Small steps the channel tests share: settings, publishing, a user with an email claim, reading deliveries.</summary>
internal static class ChannelTestKit
{
    public static Dictionary<string, string?> Merge(params IReadOnlyDictionary<string, string?>[] parts)
    {
        var merged = new Dictionary<string, string?>();
        foreach (var part in parts)
        {
            foreach (var (key, value) in part)
            {
                merged[key] = value;
            }
        }

        return merged;
    }

    public static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A client whose token carries an email claim; its first request records the address.</summary>
    public static async Task<HttpClient> UserWithEmailAsync(TestHost host, string tenant, string user, string email)
    {
        var token = LocalTokenIssuer.Issue(host.Services.GetRequiredService<IOptions<AuthOptions>>().Value, user, tenant, [], TimeSpan.FromMinutes(30), email);
        var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.GetAsync("api/v1/notifications/preferences");
        response.EnsureSuccessStatusCode();
        return client;
    }

    public static async Task<string> PublishAsync(TestHost host, string tenant, string type, string[] users, object data, string? priority = null)
    {
        using var publisher = host.ClientFor("producer", tenant, Roles.Publish);
        var body = priority is null
            ? (object)new { type, recipients = new { userIds = users }, data }
            : new { type, recipients = new { userIds = users }, data, priority };
        var json = await publisher.PostJsonAsync("api/v1/events", body).ExpectJsonAsync(System.Net.HttpStatusCode.Accepted);
        return json.GetProperty("eventId").GetString()!;
    }

    /// <summary>The user's newest inbox item as the API shows it.</summary>
    public static async Task<JsonElement> NewestItemAsync(HttpClient user)
    {
        var page = await user.GetAsync("api/v1/notifications?limit=1").ExpectJsonAsync();
        return page.GetProperty("items")[0];
    }

    public static string? DeliveryStatus(JsonElement item, string channel, out string? reason)
    {
        reason = null;
        if (!item.TryGetProperty("deliveries", out var deliveries) || deliveries.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var delivery in deliveries.EnumerateArray())
        {
            if (delivery.GetProperty("channel").GetString() == channel)
            {
                reason = delivery.GetProperty("reason").ValueKind == JsonValueKind.String ? delivery.GetProperty("reason").GetString() : null;
                return delivery.GetProperty("status").GetString();
            }
        }

        return null;
    }

    /// <summary>Polls item <paramref name="seq"/> until the channel reaches the status, then returns it; fails when it never does.</summary>
    public static async Task<JsonElement> EventuallyStatusAsync(HttpClient user, long seq, string channel, string status, TimeSpan? timeout = null)
    {
        var item = await ApiAssertions.EventuallyAsync(
            async () =>
            {
                using var response = await user.GetAsync($"api/v1/notifications/{seq}");
                return response.IsSuccessStatusCode ? await response.ReadJsonAsync() : default;
            },
            item => item.ValueKind == JsonValueKind.Object && DeliveryStatus(item, channel, out _) == status,
            timeout);
        Assert.True(
            item.ValueKind == JsonValueKind.Object && DeliveryStatus(item, channel, out _) == status,
            $"Item {seq} never reached {channel} {status}: {(item.ValueKind == JsonValueKind.Undefined ? "(missing)" : item.GetRawText())}");
        return item;
    }

    public static async Task<List<TableEntity>> DeadLettersAsync(TestHost host, string tenant)
    {
        var table = host.Services.GetRequiredService<StorageAccount>().GetTableClient(StorageNames.DeadLetterTable);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {tenant}")))
        {
            rows.Add(row);
        }

        return rows;
    }
}
