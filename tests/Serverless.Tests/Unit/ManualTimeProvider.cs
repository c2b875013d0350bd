namespace Serverless.Tests.Unit;

/// <summary>A clock tests set by hand; Microsoft.Extensions.Time.Testing is not available on the build machines.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
