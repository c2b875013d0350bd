using Azure.Identity;
using Serverless.Storage;

namespace Serverless.Tests.Storage;

public sealed class StorageConnectionTests
{
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    [Fact]
    public void Parse_UseDevelopmentStorage_PointsAtAzuriteDefaultPortsPathStyle()
    {
        var connection = StorageConnection.Parse("UseDevelopmentStorage=true", "Storage");

        Assert.Equal("devstoreaccount1", connection.AccountName);
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", connection.BlobEndpoint.AbsoluteUri.TrimEnd('/'));
        Assert.Equal("http://127.0.0.1:10001/devstoreaccount1", connection.QueueEndpoint.AbsoluteUri.TrimEnd('/'));
        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", connection.TableEndpoint.AbsoluteUri.TrimEnd('/'));
        Assert.True(connection.HasSharedKey);
        Assert.Null(connection.Credential);
    }

    [Fact]
    public void Parse_AccountWithoutExplicitEndpoints_DerivesEndpointsFromSuffixAndProtocol()
    {
        var connection = StorageConnection.Parse($"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={DevKey}", "Storage");

        Assert.Equal(new Uri("https://acme.blob.core.windows.net"), connection.BlobEndpoint);
        Assert.Equal(new Uri("https://acme.queue.core.windows.net"), connection.QueueEndpoint);
        Assert.Equal(new Uri("https://acme.table.core.windows.net"), connection.TableEndpoint);
    }

    [Fact]
    public void Parse_CustomSuffixAndExplicitBlobEndpoint_ExplicitEndpointWins()
    {
        var connection = StorageConnection.Parse(
            $"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={DevKey};EndpointSuffix=core.chinacloudapi.cn;BlobEndpoint=https://cdn.example.com/", "Storage");

        Assert.Equal(new Uri("https://cdn.example.com"), connection.BlobEndpoint);
        Assert.Equal(new Uri("https://acme.queue.core.chinacloudapi.cn"), connection.QueueEndpoint);
    }

    [Theory]
    [InlineData("AccountName=acme")]
    [InlineData("AccountName=acme;AccountKey=not*base64!")]
    [InlineData("just garbage")]
    [InlineData("AccountKey=c2VjcmV0c2VjcmV0")]
    public void Parse_Malformed_ThrowsNamingTheSettingWithoutTheKey(string connectionString)
    {
        var error = Assert.Throws<StorageConfigurationException>(() => StorageConnection.Parse(connectionString, "MyStorageSetting"));

        Assert.Contains("MyStorageSetting", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not*base64!", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0c2VjcmV0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromSettings_ConnectionStringUnderTheName_IsParsed()
    {
        var settings = new Dictionary<string, string?> { ["Storage"] = "UseDevelopmentStorage=true" };

        var connection = StorageConnection.FromSettings(key => settings.GetValueOrDefault(key), "Storage");

        Assert.Equal("devstoreaccount1", connection.AccountName);
        Assert.True(connection.HasSharedKey);
    }

    [Fact]
    public void FromSettings_AccountNameWithColonSeparator_DerivesAllThreeEndpointsWithIdentity()
    {
        var settings = new Dictionary<string, string?> { ["Storage:accountName"] = "acme" };

        var connection = StorageConnection.FromSettings(key => settings.GetValueOrDefault(key), "Storage");

        Assert.Equal(new Uri("https://acme.blob.core.windows.net"), connection.BlobEndpoint);
        Assert.Equal(new Uri("https://acme.queue.core.windows.net"), connection.QueueEndpoint);
        Assert.Equal(new Uri("https://acme.table.core.windows.net"), connection.TableEndpoint);
        Assert.False(connection.HasSharedKey);
        Assert.IsType<DefaultAzureCredential>(connection.Credential);
    }

    [Fact]
    public void FromSettings_ServiceUrisWithManagedIdentityClientId_UsesManagedIdentityCredential()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage__blobServiceUri"] = "https://acme.blob.core.windows.net",
            ["Storage__queueServiceUri"] = "https://acme.queue.core.windows.net",
            ["Storage__tableServiceUri"] = "https://acme.table.core.windows.net",
            ["Storage__credential"] = "managedidentity",
            ["Storage__clientId"] = "00000000-0000-0000-0000-000000000001",
        };

        var connection = StorageConnection.FromSettings(key => settings.GetValueOrDefault(key), "Storage");

        Assert.Equal("acme", connection.AccountName);
        Assert.Equal(new Uri("https://acme.queue.core.windows.net"), connection.QueueEndpoint);
        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
    }

    [Fact]
    public void FromSettings_CredentialOverride_IsUsedAsIs()
    {
        var settings = new Dictionary<string, string?> { ["Storage__serviceUri"] = "https://acme.blob.core.windows.net" };
        var credential = new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);

        var connection = StorageConnection.FromSettings(key => settings.GetValueOrDefault(key), "Storage", credential);

        Assert.Same(credential, connection.Credential);
        Assert.Equal(new Uri("https://acme.blob.core.windows.net"), connection.BlobEndpoint);
    }

    [Fact]
    public void FromSettings_NothingConfigured_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromSettings(_ => null, "NotificationsStorage"));

        Assert.Contains("NotificationsStorage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromSettings_InvalidServiceUri_ThrowsNamingTheSetting()
    {
        var settings = new Dictionary<string, string?> { ["Storage__blobServiceUri"] = "not a uri" };

        var error = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromSettings(key => settings.GetValueOrDefault(key), "Storage"));

        Assert.Contains("Storage__blobServiceUri", error.Message, StringComparison.Ordinal);
    }
}
