using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Core.Realtime;
using Serverless.Standalone.Realtime;

namespace Serverless.Tests.Realtime;

/// <summary>Parsing AzureSignalRConnectionString once, at registration: good strings, identity-based settings, and failures that name the setting.</summary>
public sealed class SignalRConnectionTests
{
    private const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq=";

    [Fact]
    public void AnAccessKeyConnectionString_GivesTheEndpointAndTheKey()
    {
        var connection = SignalRConnection.Parse($"Endpoint=https://demo.service.signalr.net;AccessKey={Key};Version=1.0;");

        Assert.Equal(new Uri("https://demo.service.signalr.net"), connection.Endpoint);
        Assert.True(connection.HasAccessKey);
        Assert.Equal(Key, connection.AccessKey);
        Assert.Null(connection.Credential);
        Assert.Equal("https://demo.service.signalr.net/client/?hub=notifications", connection.ClientUrl("notifications"));
        Assert.DoesNotContain(Key, connection.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void APortInTheConnectionString_IsAppliedToTheEndpoint()
    {
        var connection = SignalRConnection.Parse($"Endpoint=http://127.0.0.1/;Port=8088;AccessKey={Key};Version=1.0;");

        Assert.Equal("http://127.0.0.1:8088", connection.BaseUrl);
        Assert.Equal("http://127.0.0.1:8088/client/?hub=notifications", connection.ClientUrl("notifications"));
    }

    [Fact]
    public void AManagedIdentityConnectionString_GivesACredentialAndNoKey()
    {
        var connection = SignalRConnection.Parse("Endpoint=https://demo.service.signalr.net;AuthType=azure.msi;ClientId=00000000-0000-0000-0000-000000000001;Version=1.0;");

        Assert.False(connection.HasAccessKey);
        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
    }

    [Theory]
    [InlineData("__")]
    [InlineData(":")]
    public void IdentityBasedSettings_GiveAManagedIdentityCredentialForTheServiceUri(string separator)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"AzureSignalRConnectionString{separator}serviceUri"] = "https://demo.service.signalr.net",
            [$"AzureSignalRConnectionString{separator}credential"] = "managedidentity",
            [$"AzureSignalRConnectionString{separator}clientId"] = "00000000-0000-0000-0000-000000000001",
        };

        var connection = SignalRConnection.FromSettings(key => settings.GetValueOrDefault(key));

        Assert.NotNull(connection);
        Assert.Equal(new Uri("https://demo.service.signalr.net"), connection.Endpoint);
        Assert.False(connection.HasAccessKey);
        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
    }

    [Fact]
    public void NoSettingAtAll_MeansNotConfigured()
    {
        Assert.Null(SignalRConnection.FromSettings(_ => null));
        Assert.Null(SignalRConnection.FromSettings(key => key == "AzureSignalRConnectionString" ? "" : null));
    }

    [Theory]
    [InlineData("AccessKey=" + Key + ";Version=1.0;")] // no endpoint
    [InlineData("Endpoint=not a url;AccessKey=" + Key + ";")]
    [InlineData("Endpoint=ftp://demo.service.signalr.net;AccessKey=" + Key + ";")]
    [InlineData("Endpoint=https://demo.service.signalr.net;Version=1.0;")] // no key
    [InlineData("Endpoint=https://demo.service.signalr.net;AccessKey=short;Version=1.0;")]
    [InlineData("Endpoint=https://demo.service.signalr.net;AccessKey=" + Key + ";Port=99999;")]
    [InlineData("Endpoint=https://demo.service.signalr.net;AccessKey=" + Key + ";Version=2.0;")]
    [InlineData("Endpoint=https://demo.service.signalr.net;" + Key + ";Version=1.0;")] // a segment without '='
    [InlineData("Endpoint=https://demo.service.signalr.net;AuthType=kerberos;")]
    public void AMalformedConnectionString_FailsNamingTheSetting_WithoutEchoingTheKey(string value)
    {
        var error = Assert.Throws<SignalRConfigurationException>(() => SignalRConnection.FromSettings(key => key == "AzureSignalRConnectionString" ? value : null));

        Assert.Contains("AzureSignalRConnectionString", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IdentityBasedSettingsWithoutAServiceUri_FailNamingTheSetting()
    {
        var error = Assert.Throws<SignalRConfigurationException>(
            () => SignalRConnection.FromSettings(key => key == "AzureSignalRConnectionString__credential" ? "managedidentity" : null));

        Assert.Contains("AzureSignalRConnectionString__serviceUri", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSignalRRest_ParsesTheSettingAtRegistration_SoAMalformedValueFailsBeforeTheHostStarts()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureSignalRConnectionString"] = "Endpoint=https://x.service.signalr.net;AccessKey=tooshort;" })
            .Build();

        var error = Assert.Throws<SignalRConfigurationException>(() => new ServiceCollection().AddSignalRRest(configuration));

        Assert.Contains("AzureSignalRConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSignalRRest_WithoutTheSetting_FailsNamingIt()
    {
        var error = Assert.Throws<SignalRConfigurationException>(() => new ServiceCollection().AddSignalRRest(new ConfigurationBuilder().Build()));

        Assert.Contains("AzureSignalRConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSignalRRest_MakesTheRestClientTheOnlyRealtimeSender()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureSignalRConnectionString"] = $"Endpoint=https://x.service.signalr.net;AccessKey={Key};Version=1.0;" })
            .Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IRealtimeSender, HubRealtimeSender>(); // whatever was there before

        services.AddSignalRRest(configuration);
        using var provider = services.BuildServiceProvider();

        Assert.IsType<SignalRRestClient>(Assert.Single(provider.GetServices<IRealtimeSender>()));
        Assert.NotNull(provider.GetRequiredService<SignalRNegotiator>());
    }

    [Fact]
    public void TheStandaloneHost_WithAMalformedSetting_FailsAtStartNamingTheSetting()
    {
        var error = Assert.Throws<SignalRConfigurationException>(() => Standalone.StandaloneHost.Build(
            [],
            new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:0", ["AzureSignalRConnectionString"] = "Endpoint=;AccessKey=x" }));

        Assert.Contains("AzureSignalRConnectionString", error.Message, StringComparison.Ordinal);
    }
}
