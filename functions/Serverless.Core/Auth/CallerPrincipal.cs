using Serverless.Core.Members;

namespace Serverless.Core.Auth;

/// <summary>Who is calling: user id (sub or oid), tenant (tid) and roles, all from a validated token.</summary>
public sealed record CallerPrincipal(string UserId, string TenantId, IReadOnlySet<string> Roles)
{
    /// <summary>The member row read by <see cref="RequestAuthenticator.RequireAsync"/> (active); null when only the token was checked.</summary>
    public Member? Membership { get; init; }

    public bool IsInRole(string role) => Roles.Contains(role);

    /// <summary>The token's email claim, when it has one: recorded as the user's address for the email channel.</summary>
    public string? Email { get; init; }

    /// <summary>
    /// An app-only token (Entra ID's <c>idtyp: "app"</c>, from the client-credentials flow): a service acting as itself,
    /// not a person, so it has no membership to suspend. Only the producer route relies on it (see <see cref="RequestAuthenticator"/>).
    /// </summary>
    public bool IsApplication { get; init; }
}

/// <summary>Role names the API checks.</summary>
public static class Roles
{
    public const string Publish = "notifications.publish";
    public const string Admin = "notifications.admin";

    /// <summary>May send a manual notification (POST /v1/notifications/test) to users of their own tenant.</summary>
    public const string Manual = "notifications.manual";
    public const string OrgRootOwner = "org_root_owner";
}
