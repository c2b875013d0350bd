using System.Text.Json;
using Serverless.Core.Notifications.Templates;

namespace Serverless.Tests.Unit;

public sealed class TemplateCatalogTests
{
    public static TheoryData<string> RequiredTypes => new()
    {
        "task.assigned", "task.completed", "task.overdue", "note.mentioned", "document.uploaded", "document.expiring",
        "meeting.reminder", "report.generated", "system.announcement", "organisation.assigned", "organisation.updated",
        "mandat.created", "mandat.status_changed", "mandat.overdue", "pipeline.stage_changed", "user.role_change", "user.admin_change", "manual.message",
    };

    [Theory]
    [MemberData(nameof(RequiredTypes))]
    public void LoadEmbedded_ShipsEveryRequiredType(string type)
    {
        var catalog = TemplateCatalog.LoadEmbedded();

        Assert.True(catalog.TryGet(type, out var template));
        Assert.Equal(type, template.Type);
        Assert.False(string.IsNullOrWhiteSpace(template.Title));
        Assert.False(string.IsNullOrWhiteSpace(template.Body));
        Assert.True(template.TtlSeconds > 0);
    }

    [Fact]
    public void LoadEmbedded_DocumentUploaded_RendersWithItsEventData()
    {
        Assert.True(TemplateCatalog.LoadEmbedded().TryGet("document.uploaded", out var template));
        using var data = JsonDocument.Parse("""{ "roomName": "Due diligence", "filename": "plan.pdf", "uploaderId": "u1", "roomId": "r1", "fileId": "f1" }""");

        var rendered = TemplateRenderer.Render(template, data.RootElement);

        Assert.Contains("Due diligence", rendered.Title, StringComparison.Ordinal);
        Assert.Contains("plan.pdf", rendered.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", rendered.Title + rendered.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user.role_change")]
    [InlineData("user.admin_change")]
    public void LoadEmbedded_RoleChanges_MentionOldAndNewRole(string type)
    {
        Assert.True(TemplateCatalog.LoadEmbedded().TryGet(type, out var template));
        using var data = JsonDocument.Parse("""{ "userId": "u1", "previousRole": "member", "role": "owner", "changedBy": "u2" }""");

        var rendered = TemplateRenderer.Render(template, data.RootElement);

        Assert.Contains("member", rendered.Body, StringComparison.Ordinal);
        Assert.Contains("owner", rendered.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadEmbedded_ReturnsTheSameCachedInstance()
    {
        Assert.Same(TemplateCatalog.LoadEmbedded(), TemplateCatalog.LoadEmbedded());
    }

    [Fact]
    public void TryGet_UnknownType_ReturnsFalse()
    {
        Assert.False(TemplateCatalog.LoadEmbedded().TryGet("task.unknown", out var template));
        Assert.Null(template);
    }

    [Fact]
    public void Parse_ValidEntry_ReadsAllFields()
    {
        var catalog = TemplateCatalog.Parse("""{ "a.b": { "title": "T", "body": "B", "priority": "critical", "channel": "mobile_push", "ttlSeconds": 42 } }""");

        Assert.Equal(["a.b"], catalog.Types);
        Assert.True(catalog.TryGet("a.b", out var template));
        Assert.Equal(new NotificationTemplate("a.b", "T", "B", NotificationPriority.Critical, NotificationChannel.MobilePush, 42), template);
    }

    [Theory]
    [InlineData("""{ "bad.type": { "body": "B", "priority": "low", "channel": "web", "ttlSeconds": 1 } }""")]
    [InlineData("""{ "bad.type": { "title": " ", "body": "B", "priority": "low", "channel": "web", "ttlSeconds": 1 } }""")]
    [InlineData("""{ "bad.type": { "title": "T", "priority": "low", "channel": "web", "ttlSeconds": 1 } }""")]
    [InlineData("""{ "bad.type": { "title": "T", "body": "B", "priority": "urgent", "channel": "web", "ttlSeconds": 1 } }""")]
    [InlineData("""{ "bad.type": { "title": "T", "body": "B", "priority": "High", "channel": "web", "ttlSeconds": 1 } }""")]
    [InlineData("""{ "bad.type": { "title": "T", "body": "B", "priority": "low", "channel": "pigeon", "ttlSeconds": 1 } }""")]
    [InlineData("""{ "bad.type": { "title": "T", "body": "B", "priority": "low", "channel": "web", "ttlSeconds": 0 } }""")]
    [InlineData("""{ "bad.type": { "title": "T", "body": "B", "priority": "low", "channel": "web", "ttlSeconds": 1.5 } }""")]
    [InlineData("""{ "bad.type": { "title": "T", "body": "B", "priority": "low", "channel": "web", "ttlSeconds": "60" } }""")]
    [InlineData("""{ "bad.type": { "title": "T", "body": "B", "priority": "low", "channel": "web" } }""")]
    [InlineData("""{ "bad.type": "not an object" }""")]
    [InlineData("""{ "ok": { "title": "T", "body": "B", "priority": "low", "channel": "web", "ttlSeconds": 1 }, "bad.type": { "title": "T", "body": "B", "priority": "low", "channel": "web", "ttlSeconds": 1 }, "bad.type": { "title": "T", "body": "B", "priority": "low", "channel": "web", "ttlSeconds": 1 } }""")]
    public void Parse_InvalidEntry_ThrowsNamingTheType(string json)
    {
        var exception = Assert.Throws<InvalidOperationException>(() => TemplateCatalog.Parse(json));

        Assert.Contains("bad.type", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{ not json")]
    public void Parse_NotACatalogueObject_Throws(string json)
    {
        Assert.Throws<InvalidOperationException>(() => TemplateCatalog.Parse(json));
    }

    [Theory]
    [InlineData(NotificationPriority.Low, "low")]
    [InlineData(NotificationPriority.Normal, "normal")]
    [InlineData(NotificationPriority.High, "high")]
    [InlineData(NotificationPriority.Critical, "critical")]
    public void WireNames_Priority_RoundTrips(NotificationPriority priority, string wire)
    {
        Assert.Equal(wire, NotificationWireNames.ToWire(priority));
        Assert.True(NotificationWireNames.TryParsePriority(wire, out var parsed));
        Assert.Equal(priority, parsed);
    }

    [Theory]
    [InlineData(NotificationChannel.Web, "web")]
    [InlineData(NotificationChannel.Email, "email")]
    [InlineData(NotificationChannel.Sms, "sms")]
    [InlineData(NotificationChannel.MobilePush, "mobile_push")]
    public void WireNames_Channel_RoundTrips(NotificationChannel channel, string wire)
    {
        Assert.Equal(wire, NotificationWireNames.ToWire(channel));
        Assert.True(NotificationWireNames.TryParseChannel(wire, out var parsed));
        Assert.Equal(channel, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("MobilePush")]
    [InlineData("mobilepush")]
    public void WireNames_UnknownNames_AreRejected(string? wire)
    {
        Assert.False(NotificationWireNames.TryParseChannel(wire, out _));
        Assert.False(NotificationWireNames.TryParsePriority(wire, out _));
    }
}
