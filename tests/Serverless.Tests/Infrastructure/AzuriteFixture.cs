using Serverless.Standalone.Development;

namespace Serverless.Tests.Infrastructure;

/// <summary>One Azurite per test run, on free ports; every test uses its own tables, queues and containers.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;
    private string? _connectionString;

    public string ConnectionString => _connectionString ?? _azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite is not running.");

    /// <summary>A fixture over an Azurite some test started itself.</summary>
    public static AzuriteFixture ForConnectionString(string connectionString) => new() { _connectionString = connectionString };

    public async Task InitializeAsync() => _azurite = await AzuriteProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    /// <summary>A name unique to one test, valid for tables, queues and containers (lower-case letters and digits).</summary>
    public static string UniqueName(string prefix) => (prefix + Guid.NewGuid().ToString("N"))[..Math.Min(prefix.Length + 32, 63)].ToLowerInvariant();
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
