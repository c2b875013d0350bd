using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Storage;

/// <summary>One service's HttpPipeline plus the small helpers every client uses to build and send requests.</summary>
internal sealed class StorageServicePipeline
{
    public const string BlobQueueVersion = "2021-12-02";
    public const string TableVersion = "2019-02-02";
    private const string Scope = "https://storage.azure.com/.default";

    public StorageServicePipeline(StorageConnection connection, StorageService service, StorageClientOptions options)
    {
        Connection = connection;
        _service = service;
        Endpoint = service switch
        {
            StorageService.Blob => connection.BlobEndpoint,
            StorageService.Queue => connection.QueueEndpoint,
            _ => connection.TableEndpoint,
        };
        EndpointText = Endpoint.AbsoluteUri.TrimEnd('/');

        var perRetry = new List<HttpPipelinePolicy>
        {
            new StorageRequestHeadersPolicy(service == StorageService.Table ? TableVersion : BlobQueueVersion),
            connection.HasSharedKey
                ? new SharedKeyAuthenticationPolicy(connection, service)
                : new BearerTokenAuthenticationPolicy(connection.Credential!, Scope),
        };
        Pipeline = HttpPipelineBuilder.Build(options, [], [.. perRetry], new ResponseClassifier());
    }

    public StorageConnection Connection { get; }
    public HttpPipeline Pipeline { get; }

    /// <summary>The service endpoint without a trailing slash, e.g. http://127.0.0.1:10000/devstoreaccount1.</summary>
    public Uri Endpoint { get; }

    public string EndpointText { get; }

    /// <summary>Blob only: the account-wide user delegation key, shared by every blob client.</summary>
    public UserDelegationKeyCache DelegationKeys => LazyInitializer.EnsureInitialized(ref _delegationKeys, () => new UserDelegationKeyCache(this));

    private UserDelegationKeyCache? _delegationKeys;
    private readonly StorageService _service;

    public HttpMessage CreateMessage(RequestMethod method, string absoluteUri)
    {
        var message = Pipeline.CreateMessage();
        message.SetProperty(StorageServiceProperty.Name, _service);
        message.Request.Method = method;
        message.Request.Uri.Reset(new Uri(absoluteUri));
        return message;
    }

    public async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await Pipeline.SendAsync(message, cancellationToken);
        return message.Response;
    }

    /// <summary>
    /// Sends; returns null when the failure is the expected one (the status, with one of the error codes when the
    /// service names one), throws for any other failure. Status alone is not enough: a 404 for a missing table is not
    /// a missing entity, and a 409 for a container being deleted is not one that exists.
    /// </summary>
    public async Task<Response?> SendExpectingAsync(
        HttpMessage message, string operation, int expectedStatus, string[] expectedCodes, CancellationToken cancellationToken)
    {
        var response = await SendAsync(message, cancellationToken);
        if (response.Status < 400)
        {
            return response;
        }

        if (response.Status == expectedStatus)
        {
            var (code, _) = StorageErrors.ReadCodeAndMessage(response);
            if (code is null || expectedCodes.Contains(code, StringComparer.Ordinal))
            {
                return null;
            }
        }

        throw StorageErrors.Create(response, operation);
    }

    /// <summary>Sends and throws for any status of 400 and above.</summary>
    public async Task<Response> SendCheckedAsync(HttpMessage message, string operation, CancellationToken cancellationToken)
    {
        var response = await SendAsync(message, cancellationToken);
        return response.Status >= 400 ? throw StorageErrors.Create(response, operation) : response;
    }
}
