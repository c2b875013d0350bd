using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;

namespace Serverless.Storage;

/// <summary>One storage queue. Message bodies are base64-encoded, matching the Functions queue trigger's default encoding.</summary>
public sealed class QueueClient
{
    /// <summary>The service limit on an (encoded) message.</summary>
    public const int MaxEncodedMessageBytes = 64 * 1024;

    private readonly StorageServicePipeline _pipeline;

    internal QueueClient(StorageServicePipeline pipeline, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _pipeline = pipeline;
        Name = name;
        QueueUrl = $"{pipeline.EndpointText}/{Uri.EscapeDataString(name)}";
    }

    public string Name { get; }

    private string QueueUrl { get; }

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Put, QueueUrl);
        // 201 created, 204 already there with the same metadata, 409 there with other metadata: all mean "it exists".
        await _pipeline.SendExpectingAsync(message, $"Create queue '{Name}'", 409, ["QueueAlreadyExists"], cancellationToken);
    }

    /// <summary>Deletes the queue; a queue that does not exist is not an error.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, QueueUrl);
        await _pipeline.SendExpectingAsync(message, $"Delete queue '{Name}'", 404, ["QueueNotFound"], cancellationToken);
    }

    public async Task ClearMessagesAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, QueueUrl + "/messages");
        await _pipeline.SendCheckedAsync(message, "Clear messages", cancellationToken);
    }

    public Task<SendReceipt> SendMessageAsync(string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendMessageAsync(BinaryData.FromString(text), visibilityDelay, timeToLive, cancellationToken);
    }

    /// <summary>Sends a message; <paramref name="timeToLive"/> of <see cref="Timeout.InfiniteTimeSpan"/> means it never expires.</summary>
    public async Task<SendReceipt> SendMessageAsync(BinaryData body, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var encoded = Convert.ToBase64String(body.ToMemory().Span);
        if (encoded.Length > MaxEncodedMessageBytes)
        {
            throw new ArgumentException($"The message is {encoded.Length} bytes once base64-encoded; the queue limit is {MaxEncodedMessageBytes}.", nameof(body));
        }

        var query = new List<string>();
        if (visibilityDelay is { } delay)
        {
            query.Add("visibilitytimeout=" + Seconds(delay));
        }

        if (timeToLive is { } ttl)
        {
            query.Add("messagettl=" + (ttl == Timeout.InfiniteTimeSpan ? "-1" : Seconds(ttl)));
        }

        using var message = _pipeline.CreateMessage(RequestMethod.Post, QueueUrl + "/messages" + (query.Count > 0 ? "?" + string.Join("&", query) : ""));
        var xml = new XElement("QueueMessage", new XElement("MessageText", encoded));
        SetXmlBody(message, xml);
        var response = await _pipeline.SendCheckedAsync(message, "Send message", cancellationToken);
        var item = ParseList(response).FirstOrDefault()
            ?? throw new StorageRequestFailedException(response.Status, null, "Send message returned no receipt.");
        return new SendReceipt(
            item.Element("MessageId")?.Value ?? "",
            item.Element("PopReceipt")?.Value ?? "",
            ParseDate(item.Element("InsertionTime")),
            ParseDate(item.Element("TimeNextVisible")));
    }

    /// <summary>Receives up to <paramref name="maxMessages"/> (1..32), hiding them for <paramref name="visibilityTimeout"/>.</summary>
    public async Task<IReadOnlyList<QueueMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 32);
        using var message = _pipeline.CreateMessage(
            RequestMethod.Get, $"{QueueUrl}/messages?numofmessages={maxMessages}&visibilitytimeout={Seconds(visibilityTimeout)}");
        var response = await _pipeline.SendCheckedAsync(message, "Receive messages", cancellationToken);
        return ParseList(response).Select(m => new QueueMessage
        {
            MessageId = m.Element("MessageId")?.Value ?? "",
            PopReceipt = m.Element("PopReceipt")?.Value ?? "",
            DequeueCount = long.TryParse(m.Element("DequeueCount")?.Value, CultureInfo.InvariantCulture, out var count) ? count : 0,
            InsertedOn = ParseDate(m.Element("InsertionTime")),
            ExpiresOn = ParseDate(m.Element("ExpirationTime")),
            NextVisibleOn = ParseDate(m.Element("TimeNextVisible")),
            Body = DecodeBody(m.Element("MessageText")?.Value ?? ""),
        }).ToList();
    }

    /// <summary>Reads up to <paramref name="maxMessages"/> (1..32) without hiding them.</summary>
    public async Task<IReadOnlyList<PeekedMessage>> PeekMessagesAsync(int maxMessages = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 32);
        using var message = _pipeline.CreateMessage(RequestMethod.Get, $"{QueueUrl}/messages?peekonly=true&numofmessages={maxMessages}");
        var response = await _pipeline.SendCheckedAsync(message, "Peek messages", cancellationToken);
        return ParseList(response).Select(m => new PeekedMessage
        {
            MessageId = m.Element("MessageId")?.Value ?? "",
            DequeueCount = long.TryParse(m.Element("DequeueCount")?.Value, CultureInfo.InvariantCulture, out var count) ? count : 0,
            InsertedOn = ParseDate(m.Element("InsertionTime")),
            ExpiresOn = ParseDate(m.Element("ExpirationTime")),
            Body = DecodeBody(m.Element("MessageText")?.Value ?? ""),
        }).ToList();
    }

    /// <summary>Deletes a received message. A 404 (gone, or the pop receipt is stale) surfaces as <see cref="StorageRequestFailedException"/>.</summary>
    public async Task DeleteMessageAsync(string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        using var message = _pipeline.CreateMessage(
            RequestMethod.Delete, $"{QueueUrl}/messages/{Uri.EscapeDataString(messageId)}?popreceipt={Uri.EscapeDataString(popReceipt)}");
        await _pipeline.SendCheckedAsync(message, "Delete message", cancellationToken);
    }

    /// <summary>Changes how long a received message stays hidden; returns the new pop receipt (the old one stops working).</summary>
    public async Task<string> UpdateVisibilityAsync(string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        using var message = _pipeline.CreateMessage(
            RequestMethod.Put,
            $"{QueueUrl}/messages/{Uri.EscapeDataString(messageId)}?popreceipt={Uri.EscapeDataString(popReceipt)}&visibilitytimeout={Seconds(visibilityTimeout)}");
        var response = await _pipeline.SendCheckedAsync(message, "Update message visibility", cancellationToken);
        return response.Headers.TryGetValue("x-ms-popreceipt", out var receipt) && receipt is not null
            ? receipt
            : throw new StorageRequestFailedException(response.Status, null, "Update message returned no pop receipt.");
    }

    public async Task<int> GetApproximateMessageCountAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Get, QueueUrl + "?comp=metadata");
        var response = await _pipeline.SendCheckedAsync(message, "Get queue metadata", cancellationToken);
        return response.Headers.TryGetValue("x-ms-approximate-messages-count", out var count) && int.TryParse(count, CultureInfo.InvariantCulture, out var n)
            ? n
            : 0;
    }

    /// <summary>Base64 text decodes to its bytes; anything else (a message written by a non-base64 producer) is kept as raw text.</summary>
    internal static BinaryData DecodeBody(string text)
    {
        if (text.Length > 0)
        {
            var buffer = new byte[text.Length];
            if (Convert.TryFromBase64String(text, buffer, out var written))
            {
                return new BinaryData(buffer.AsMemory(0, written));
            }
        }

        return BinaryData.FromString(text);
    }

    private static string Seconds(TimeSpan value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
        return ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    private static DateTimeOffset ParseDate(XElement? element) =>
        element is not null && DateTimeOffset.TryParse(element.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : default;

    private static IEnumerable<XElement> ParseList(Response response)
    {
        var text = response.Content.ToString();
        return string.IsNullOrWhiteSpace(text.Trim('\uFEFF')) ? [] : StorageXml.Parse(text).Elements("QueueMessage");
    }

    private static void SetXmlBody(HttpMessage message, XElement xml)
    {
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(xml.ToString(SaveOptions.DisableFormatting)));
    }
}
