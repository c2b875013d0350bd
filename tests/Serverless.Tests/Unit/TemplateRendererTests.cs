using System.Text.Json;
using Serverless.Core.Notifications.Templates;

namespace Serverless.Tests.Unit;

public sealed class TemplateRendererTests
{
    private static JsonElement Data(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    [Fact]
    public void Render_TopLevelAndDottedPaths_FillsValues()
    {
        var data = Data("""{ "roomName": "Board", "task": { "title": "Sign contract", "owner": { "name": "Ana" } } }""");

        var text = TemplateRenderer.Render("{{roomName}}: {{task.title}} by {{ task.owner.name }}", data, htmlEscape: false);

        Assert.Equal("Board: Sign contract by Ana", text);
    }

    [Fact]
    public void Render_MissingPlaceholder_RendersEmpty()
    {
        var text = TemplateRenderer.Render("[{{nope}}][{{task.nope}}][{{task.title.deeper}}]", Data("""{ "task": { "title": "x" } }"""), htmlEscape: false);

        Assert.Equal("[][][]", text);
    }

    [Fact]
    public void Render_NullObjectAndArrayValues_RenderEmpty()
    {
        var text = TemplateRenderer.Render("[{{a}}][{{b}}][{{c}}]", Data("""{ "a": null, "b": { "x": 1 }, "c": [1, 2] }"""), htmlEscape: false);

        Assert.Equal("[][][]", text);
    }

    [Fact]
    public void Render_NumbersAndBooleans_RenderTheirJsonText()
    {
        var text = TemplateRenderer.Render("{{count}} {{ratio}} {{big}} {{yes}} {{no}}", Data("""{ "count": 3, "ratio": 0.25, "big": 1e3, "yes": true, "no": false }"""), htmlEscape: false);

        Assert.Equal("3 0.25 1e3 true false", text);
    }

    [Fact]
    public void Render_ArrayIndexInPath_SelectsElement()
    {
        var text = TemplateRenderer.Render("{{items.1.name}}|{{items.5.name}}", Data("""{ "items": [ { "name": "a" }, { "name": "b" } ] }"""), htmlEscape: false);

        Assert.Equal("b|", text);
    }

    [Fact]
    public void Render_NoData_RendersPlaceholdersEmpty()
    {
        Assert.Equal("Hello !", TemplateRenderer.Render("Hello {{name}}!", null, htmlEscape: false));
        Assert.Equal("Hello !", TemplateRenderer.Render("Hello {{name}}!", Data("[1]"), htmlEscape: false));
    }

    [Fact]
    public void Render_HtmlEscape_EscapesSubstitutedValuesOnly()
    {
        var data = Data("""{ "name": "<b>Tom & \"Jerry\" 'x'</b>" }""");

        var escaped = TemplateRenderer.Render("<p>{{name}}</p>", data, htmlEscape: true);
        var plain = TemplateRenderer.Render("<p>{{name}}</p>", data, htmlEscape: false);

        Assert.Equal("<p>&lt;b&gt;Tom &amp; &quot;Jerry&quot; &#39;x&#39;&lt;/b&gt;</p>", escaped);
        Assert.Equal("<p><b>Tom & \"Jerry\" 'x'</b></p>", plain);
    }

    [Fact]
    public void Render_ValueContainingPlaceholder_IsNotExpandedAgain()
    {
        var text = TemplateRenderer.Render("{{a}}", Data("""{ "a": "{{b}}", "b": "secret" }"""), htmlEscape: false);

        Assert.Equal("{{b}}", text);
    }

    [Theory]
    [InlineData("Hello {{name", "Hello {{name")]
    [InlineData("{{}}", "{{}}")]
    [InlineData("{{ }}", "{{ }}")]
    [InlineData("{{{name}}}", "{World}")]
    [InlineData("{{a {{name}}", "{{a World")]
    [InlineData("{{na me}}", "{{na me}}")]
    [InlineData("{{.name}}", "{{.name}}")]
    [InlineData("{{name..x}}", "{{name..x}}")]
    [InlineData("}}{{name}}{{", "}}World{{")]
    [InlineData("{name}", "{name}")]
    [InlineData("", "")]
    [InlineData("plain", "plain")]
    public void Render_MalformedPlaceholders_AreLeftLiterally(string template, string expected)
    {
        Assert.Equal(expected, TemplateRenderer.Render(template, Data("""{ "name": "World" }"""), htmlEscape: false));
    }

    [Fact]
    public void Render_RandomTemplates_NeverThrow()
    {
        var random = new Random(1234);
        const string alphabet = "{}. ab_-0\\\"<&";
        var data = Data("""{ "a": { "b": [1, "x", null] }, "b": "<&>" }""");
        for (var i = 0; i < 2000; i++)
        {
            var chars = new char[random.Next(0, 24)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            var template = new string(chars);

            _ = TemplateRenderer.Render(template, data, htmlEscape: i % 2 == 0);
            var withoutData = TemplateRenderer.Render(template, null, htmlEscape: false);

            // Without data a placeholder can only disappear, never add text.
            Assert.True(withoutData.Length <= template.Length, template);
            if (!template.Contains("{{", StringComparison.Ordinal))
            {
                Assert.Equal(template, withoutData);
            }
        }
    }

    [Fact]
    public void Render_EmailTemplate_EscapesTitleAndBody()
    {
        var template = new NotificationTemplate("t", "Hi {{n}}", "<p>{{n}}</p>", NotificationPriority.Normal, NotificationChannel.Email, 60);

        var rendered = TemplateRenderer.Render(template, Data("""{ "n": "<x>" }"""));

        Assert.Equal(new RenderedNotification("Hi &lt;x&gt;", "<p>&lt;x&gt;</p>"), rendered);
    }

    [Fact]
    public void Render_WebTemplate_DoesNotEscape()
    {
        var template = new NotificationTemplate("t", "Hi {{n}}", "{{n}}", NotificationPriority.Normal, NotificationChannel.Web, 60);

        var rendered = TemplateRenderer.Render(template, Data("""{ "n": "<x>" }"""));

        Assert.Equal("Hi <x>", rendered.Title);
        Assert.Equal("<x>", rendered.Body);
    }
}
