using Azure.Core;

namespace Serverless.Storage;

/// <summary>
/// Pipeline options for storage clients: exponential retries (5 tries, 0.5 s base, 10 s cap, 30 s per try). Extra
/// policies (e.g. a <see cref="StorageRequestCounter"/>) go in with <c>AddPolicy(policy, HttpPipelinePosition.PerRetry)</c>.
/// </summary>
public sealed class StorageClientOptions : ClientOptions
{
    public StorageClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 5;
        Retry.Delay = TimeSpan.FromSeconds(0.5);
        Retry.MaxDelay = TimeSpan.FromSeconds(10);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
    }
}
