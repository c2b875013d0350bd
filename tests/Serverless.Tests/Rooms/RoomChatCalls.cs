using System.Net;
using System.Text.Json;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Rooms;

/// <summary>Small helpers for the room chat routes.</summary>
public static class RoomChatCalls
{
    public static Task<HttpResponseMessage> PostMessageAsync(this HttpClient client, string roomId, string text, string? replyTo = null, string? clientMessageId = null) =>
        client.PostJsonAsync($"api/v1/rooms/{roomId}/messages", new { text, replyTo, clientMessageId });

    public static Task<JsonElement> PostMessageOkAsync(this HttpClient client, string roomId, string text, string? replyTo = null, string? clientMessageId = null) =>
        client.PostMessageAsync(roomId, text, replyTo, clientMessageId).ExpectJsonAsync(HttpStatusCode.Created);

    public static Task<JsonElement> ListMessagesAsync(this HttpClient client, string roomId, string query = "") =>
        client.GetAsync($"api/v1/rooms/{roomId}/messages{query}").ExpectJsonAsync();

    public static Task<HttpResponseMessage> ReactAsync(this HttpClient client, string roomId, string messageId, string emoji) =>
        client.PutAsync($"api/v1/rooms/{roomId}/messages/{messageId}/reactions/{Uri.EscapeDataString(emoji)}", null);

    public static Task<HttpResponseMessage> UnreactAsync(this HttpClient client, string roomId, string messageId, string emoji) =>
        client.DeleteAsync($"api/v1/rooms/{roomId}/messages/{messageId}/reactions/{Uri.EscapeDataString(emoji)}");

    public static Task<HttpResponseMessage> EditMessageAsync(this HttpClient client, string roomId, string messageId, string text) =>
        client.PatchAsync($"api/v1/rooms/{roomId}/messages/{messageId}", JsonContent(new { text }));

    public static Task<JsonElement> MarkReadAsync(this HttpClient client, string roomId, long seq) =>
        client.PostJsonAsync($"api/v1/rooms/{roomId}/read", new { seq }).ExpectJsonAsync();

    public static long[] Seqs(this JsonElement page) => page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()).ToArray();

    public static string Id(this JsonElement message) => message.GetProperty("messageId").GetString()!;

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
