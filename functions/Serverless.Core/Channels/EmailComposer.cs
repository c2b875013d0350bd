using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MimeKit;
using Serverless.Core.Inbox;
using Serverless.Core.Notifications.Templates;

namespace Serverless.Core.Channels;

/// <summary>
/// Builds the MIME messages: subject, an HTML part (substituted values HTML-escaped) and a plain-text part from the template,
/// a link to the item, and List-Unsubscribe pointing at the preferences.
/// </summary>
public sealed class EmailComposer(IOptions<EmailOptions> options, TemplateCatalog catalog)
{
    private readonly EmailOptions _options = options.Value;

    public MimeMessage ForItem(string tenantId, string userId, string to, InboxItem item)
    {
        var (title, text, html) = Render(item);
        var message = Envelope(tenantId, userId, to, title);
        message.MessageId = MessageId(item.EventId, tenantId, userId);
        var link = Link(item);
        var builder = new BodyBuilder
        {
            TextBody = text + (link is null ? "" : "\n\nOpen: " + link) + Footer(),
            HtmlBody = $"<!doctype html><html><body><h1>{WebUtility.HtmlEncode(title)}</h1><p>{html}</p>"
                       + (link is null ? "" : $"<p><a href=\"{WebUtility.HtmlEncode(link)}\">Open</a></p>") + HtmlFooter() + "</body></html>",
        };
        message.Body = builder.ToMessageBody();
        return message;
    }

    /// <summary>One email for a window's held-back items, newest first, each linked.</summary>
    public MimeMessage Digest(string tenantId, string userId, string to, string window, IReadOnlyList<InboxItem> items)
    {
        var subject = items.Count == 1 ? "1 new notification" : $"{items.Count} new notifications";
        var message = Envelope(tenantId, userId, to, subject);
        message.MessageId = MessageId("digest-" + window, tenantId, userId);
        var text = new StringBuilder();
        var html = new StringBuilder("<!doctype html><html><body><h1>").Append(WebUtility.HtmlEncode(subject)).Append("</h1><ul>");
        foreach (var item in items.OrderByDescending(i => i.Seq))
        {
            var (title, body, bodyHtml) = Render(item);
            var link = Link(item);
            text.Append("- ").Append(title).Append('\n').Append("  ").Append(body).Append('\n');
            if (link is not null)
            {
                text.Append("  ").Append(link).Append('\n');
            }

            html.Append("<li><p><strong>");
            html.Append(link is null ? WebUtility.HtmlEncode(title) : $"<a href=\"{WebUtility.HtmlEncode(link)}\">{WebUtility.HtmlEncode(title)}</a>");
            html.Append("</strong></p><p>").Append(bodyHtml).Append("</p></li>");
        }

        html.Append("</ul>").Append(HtmlFooter()).Append("</body></html>");
        message.Body = new BodyBuilder { TextBody = text.ToString() + Footer(), HtmlBody = html.ToString() }.ToMessageBody();
        return message;
    }

    private MimeMessage Envelope(string tenantId, string userId, string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(_options.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        if (_options.PreferencesUrl.Length > 0)
        {
            message.Headers.Add("List-Unsubscribe", $"<{_options.PreferencesUrl}>");
        }

        message.Headers.Add("X-Notification-Recipient", Hash(tenantId + "|" + userId));
        return message;
    }

    private (string Title, string Text, string Html) Render(InboxItem item)
    {
        if (!catalog.TryGet(item.Type, out var template))
        {
            return (item.Title, item.Body, WebUtility.HtmlEncode(item.Body));
        }

        JsonElement? data = item.Data;
        return (
            TemplateRenderer.Render(template.Title, data, htmlEscape: false),
            TemplateRenderer.Render(template.Body, data, htmlEscape: false),
            TemplateRenderer.Render(template.Body, data, htmlEscape: true));
    }

    private string? Link(InboxItem item) =>
        _options.LinkBaseUrl.Length == 0 ? null : _options.LinkBaseUrl.TrimEnd('/') + "/notifications/" + item.Id;

    private string Footer() => _options.PreferencesUrl.Length == 0 ? "" : "\n\n--\nManage your notification preferences: " + _options.PreferencesUrl;

    private string HtmlFooter() =>
        _options.PreferencesUrl.Length == 0 ? "" : $"<hr><p><a href=\"{WebUtility.HtmlEncode(_options.PreferencesUrl)}\">Manage your notification preferences</a></p>";

    // Stable per event and recipient, so even a resend after a crash is recognisable as the same message downstream.
    private static string MessageId(string eventId, string tenantId, string userId) => $"{eventId}.{Hash(tenantId + "|" + userId)}@notifications";

    internal static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..16];
}
