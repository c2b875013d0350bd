using Microsoft.Extensions.Options;
using Serverless.Tests.Infrastructure;

namespace Serverless.Tests.Channels;

/// <summary>Channel settings are validated when the host starts, naming the setting, and never echo a secret.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ChannelOptionsTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("Email:Smtp:Host", "smtp.example.test", "Email:From", "", "Email__From")]
    [InlineData("Email:Smtp:Host", "smtp.example.test", "Email:Smtp:Username", "relay-user", "Email__Smtp__Password")]
    [InlineData("Push:Fcm:ProjectId", "demo", "Push:Fcm:ServiceAccountJson", "{\"client_email\":\"x\",\"private_key\":\"super-secret-not-a-key\"}", "Push__Fcm__ServiceAccountJson")]
    [InlineData("Push:Apns:KeyId", "KEY", "Push:Apns:PrivateKey", "super-secret-not-a-key", "Push__Apns__")]
    public async Task ABadChannelSetting_FailsTheHostAtStart_NamingIt(string key, string value, string otherKey, string otherValue, string named)
    {
        var settings = new Dictionary<string, string?> { [key] = value, [otherKey] = otherValue, ["Email:From"] = "n@example.test" };
        settings[otherKey] = otherValue;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await (await TestHost.StartAsync(azurite, settings)).DisposeAsync());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("super-secret", error.Message, StringComparison.Ordinal);
    }
}
