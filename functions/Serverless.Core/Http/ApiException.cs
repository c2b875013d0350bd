namespace Serverless.Core.Http;

/// <summary>An expected failure with an HTTP status and a stable UPPER_SNAKE code, rendered as {"code","message"}.</summary>
public class ApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    /// <summary>Extra response headers, e.g. WWW-Authenticate or Retry-After.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public static ApiException BadRequest(string code, string message) => new(400, code, message);

    public static ApiException NotFound(string code, string message) => new(404, code, message);

    public static ApiException Conflict(string code, string message) => new(409, code, message);

    public static ApiException Forbidden(string code, string message) => new(403, code, message);
}
