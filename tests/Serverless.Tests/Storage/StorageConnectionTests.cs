using Azure.Storage.Sas;
using Microsoft.Extensions.Configuration;
using Serverless.Core.Storage;

namespace Serverless.Tests.Storage;

/// <summary>
/// How AzureWebJobsStorage-style settings become a <see cref="StorageConnection"/> and a <see cref="StorageAccount"/>.
/// No network: identity-based accounts are only built, never called.
/// </summary>
public sealed class StorageConnectionTests
{
    private const string Setting = "Storage";

    // Valid base64 that looks nothing like anything else in a message, so "the key is not echoed" can be checked.
    private const string SecretKey = "c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkw";

    [Fact]
    public void UseDevelopmentStorage_resolves_to_a_key_based_account_on_the_default_Azurite_ports()
    {
        var connection = StorageConnection.FromConfiguration(Config((Setting, "UseDevelopmentStorage=true")), Setting);
        var account = new StorageAccount(connection);

        Assert.False(connection.IsIdentityBased);
        Assert.Equal("UseDevelopmentStorage=true", connection.ConnectionString);
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", account.BlobService.Uri.AbsoluteUri.TrimEnd('/'));
        Assert.Equal("http://127.0.0.1:10001/devstoreaccount1", account.QueueService.Uri.AbsoluteUri.TrimEnd('/'));
        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", account.TableService.Uri.AbsoluteUri.TrimEnd('/'));
        Assert.True(account.GetBlobContainerClient("c").GetBlobClient("b").CanGenerateSasUri);
    }

    [Fact]
    public void A_full_connection_string_resolves_to_the_account_endpoints_with_its_key()
    {
        var connection = StorageConnection.FromConfiguration(
            Config((Setting, $"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={SecretKey};EndpointSuffix=core.windows.net")), Setting);
        var account = new StorageAccount(connection);

        Assert.False(connection.IsIdentityBased);
        Assert.Null(connection.IdentitySettings);
        Assert.Equal(new Uri("https://acme.blob.core.windows.net/"), account.BlobService.Uri);
        Assert.Equal(new Uri("https://acme.queue.core.windows.net/"), account.QueueService.Uri);
        Assert.Equal("https://acme.table.core.windows.net", account.TableService.Uri.AbsoluteUri.TrimEnd('/'));
        Assert.Equal("acme", account.BlobService.AccountName);
        Assert.True(account.GetBlobContainerClient("c").GetBlobClient("b").CanGenerateSasUri);
    }

    [Fact]
    public void Identity_based_service_uris_with_colon_separators_build_clients_on_those_uris()
    {
        var configuration = Config(
            ($"{Setting}:blobServiceUri", "https://acmeblob.example.net/"),
            ($"{Setting}:queueServiceUri", "https://acmequeue.example.net"),
            ($"{Setting}:tableServiceUri", "https://acmetable.example.net"),
            ($"{Setting}:credential", "managedidentity"),
            ($"{Setting}:clientId", "00000000-0000-0000-0000-000000000001"));

        AssertIdentityBased(StorageConnection.FromConfiguration(configuration, Setting), "acmeblob.example.net", "acmequeue.example.net", "acmetable.example.net");
    }

    [Fact]
    public void Identity_based_service_uris_with_double_underscores_in_environment_variables_build_clients_on_those_uris()
    {
        // The Functions host reads app settings from the environment, where "__" stands for ":".
        var prefix = "SERVERLESS_STORAGE_TEST_" + Guid.NewGuid().ToString("N") + "_";
        var variables = new Dictionary<string, string>
        {
            [$"{prefix}{Setting}__blobServiceUri"] = "https://acmeblob.example.net",
            [$"{prefix}{Setting}__queueServiceUri"] = "https://acmequeue.example.net",
            [$"{prefix}{Setting}__tableServiceUri"] = "https://acmetable.example.net",
            [$"{prefix}{Setting}__credential"] = "managedidentity",
            [$"{prefix}{Setting}__clientId"] = "00000000-0000-0000-0000-000000000001",
        };
        try
        {
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();

            AssertIdentityBased(StorageConnection.FromConfiguration(configuration, Setting), "acmeblob.example.net", "acmequeue.example.net", "acmetable.example.net");
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    [Fact]
    public void An_identity_based_account_name_derives_the_three_public_cloud_endpoints()
    {
        var connection = StorageConnection.FromConfiguration(Config(($"{Setting}:accountName", "acme")), Setting);
        var account = new StorageAccount(connection);

        Assert.True(connection.IsIdentityBased);
        Assert.Equal(new Uri("https://acme.blob.core.windows.net"), connection.BlobServiceUri);
        Assert.Equal(new Uri("https://acme.queue.core.windows.net"), connection.QueueServiceUri);
        Assert.Equal(new Uri("https://acme.table.core.windows.net"), connection.TableServiceUri);
        Assert.Equal(new Uri("https://acme.blob.core.windows.net/files"), account.GetBlobContainerClient("files").Uri);
        Assert.Equal(new Uri("https://acme.queue.core.windows.net/events"), account.GetQueueClient("events").Uri);
        Assert.Equal("https://acme.table.core.windows.net/inbox", account.GetTableClient("inbox").Uri.AbsoluteUri.TrimEnd('/'));
    }

    [Fact]
    public void An_explicit_service_uri_wins_over_the_one_derived_from_the_account_name()
    {
        var connection = StorageConnection.FromConfiguration(
            Config(($"{Setting}:accountName", "acme"), ($"{Setting}:queueServiceUri", "https://queues.example.net")), Setting);

        Assert.Equal(new Uri("https://queues.example.net"), connection.QueueServiceUri);
        Assert.Equal(new Uri("https://acme.blob.core.windows.net"), connection.BlobServiceUri);
    }

    [Theory]
    [InlineData("blobServiceUri")]
    [InlineData("queueServiceUri")]
    [InlineData("tableServiceUri")]
    public void Identity_based_settings_missing_one_service_uri_are_refused_naming_the_missing_setting(string missing)
    {
        var all = new[] { "blobServiceUri", "queueServiceUri", "tableServiceUri" };
        var configuration = Config(all.Where(key => key != missing).Select(key => ($"{Setting}:{key}", (string?)$"https://{key.ToLowerInvariant()}.example.net")).ToArray());

        var error = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(configuration, Setting));

        Assert.Contains($"{Setting}__{missing}", error.Message, StringComparison.Ordinal);
        foreach (var present in all.Where(key => key != missing))
        {
            Assert.DoesNotContain($"{Setting}__{present}", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("AccountName=acme;AccountKey=bm90LWEta2V5*not*base64!")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" + SecretKey + ";BlobEndpoint=not a uri")]
    [InlineData("DefaultEndpointsProtocol=https;AccountKey=" + SecretKey + ";EndpointSuffix=core.windows.net")]
    [InlineData("AccountKey=" + SecretKey)]
    [InlineData("just garbage " + SecretKey)]
    [InlineData("AccountName=acme")]
    public void A_malformed_connection_string_is_refused_naming_the_setting_without_echoing_the_key(string connectionString)
    {
        var error = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(Config(("MyStorageSetting", connectionString)), "MyStorageSetting"));

        Assert.Contains("MyStorageSetting", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretKey, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bm90LWEta2V5", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://acme.blob.core.windows.net/?sig=" + SecretKey)]
    [InlineData("not a uri " + SecretKey)]
    [InlineData("/relative/" + SecretKey)]
    public void A_service_uri_that_is_not_absolute_http_is_refused_naming_the_setting_without_echoing_it(string value)
    {
        var configuration = Config(
            ($"{Setting}:blobServiceUri", value),
            ($"{Setting}:queueServiceUri", "https://acme.queue.core.windows.net"),
            ($"{Setting}:tableServiceUri", "https://acme.table.core.windows.net"));

        var error = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(configuration, Setting));

        Assert.Contains($"{Setting}__blobServiceUri", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretKey, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Acme")]
    [InlineData("ac")]
    [InlineData("acme.blob.core.windows.net")]
    public void An_account_name_that_is_not_a_storage_account_name_is_refused_naming_the_setting(string accountName)
    {
        var error = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(Config(($"{Setting}:accountName", accountName)), Setting));

        Assert.Contains($"{Setting}__accountName", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_connection_that_is_not_configured_is_refused_naming_the_setting(string? value)
    {
        var error = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(Config(("NotificationsStorage", value)), "NotificationsStorage"));

        Assert.Contains("'NotificationsStorage'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_identity_based_account_signs_blob_links_with_a_user_delegation_key_limited_to_seven_days()
    {
        // The account has no key, so CreateSasUriAsync must take the delegation-key path; its lifetime check comes before any request.
        var account = new StorageAccount(StorageConnection.FromConfiguration(Config(($"{Setting}:accountName", "acme")), Setting));
        var blob = account.GetBlobContainerClient("files").GetBlobClient("a.txt");
        var now = DateTimeOffset.UtcNow;

        Assert.False(blob.CanGenerateSasUri);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => blob.CreateSasUriAsync(account, BlobSasPermissions.Read, now, now.AddDays(8)));
    }

    private static void AssertIdentityBased(StorageConnection connection, string blobHost, string queueHost, string tableHost)
    {
        var account = new StorageAccount(connection);

        Assert.True(connection.IsIdentityBased);
        Assert.Null(connection.ConnectionString);
        Assert.Equal("managedidentity", connection.IdentitySettings?["credential"]);
        Assert.Equal("00000000-0000-0000-0000-000000000001", connection.IdentitySettings?["clientId"]);
        Assert.Equal(new Uri($"https://{blobHost}/files"), account.GetBlobContainerClient("files").Uri);
        Assert.Equal(new Uri($"https://{queueHost}/events"), account.GetQueueClient("events").Uri);
        Assert.Equal($"https://{tableHost}/inbox", account.GetTableClient("inbox").Uri.AbsoluteUri.TrimEnd('/'));
        Assert.False(account.GetBlobContainerClient("files").GetBlobClient("b").CanGenerateSasUri);
    }

    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
