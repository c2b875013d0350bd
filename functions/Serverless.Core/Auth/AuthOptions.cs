using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Serverless.Core.Auth;

/// <summary>Bearer token validation settings (section "Auth"): a local HS256 key, or an OpenID Connect authority such as Entra ID.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    [Required]
    public string Issuer { get; set; } = "";

    [Required]
    public string Audience { get; set; } = "";

    /// <summary>HS256 key for local development and tests; at least 32 bytes. Leave empty in Azure.</summary>
    public string? SigningKey { get; set; }

    /// <summary>OpenID Connect authority whose metadata supplies the signing keys, e.g. https://login.microsoftonline.com/{tenant}/v2.0.</summary>
    public string? Authority { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hasKey = !string.IsNullOrEmpty(SigningKey);
        var hasAuthority = !string.IsNullOrEmpty(Authority);
        if (!hasKey && !hasAuthority)
        {
            yield return new ValidationResult("Set Auth:SigningKey (local) or Auth:Authority (OpenID Connect).", [nameof(SigningKey), nameof(Authority)]);
        }

        if (hasKey && Encoding.UTF8.GetByteCount(SigningKey!) < 32)
        {
            yield return new ValidationResult("Auth:SigningKey must be at least 32 bytes.", [nameof(SigningKey)]);
        }

        if (hasAuthority && !Uri.TryCreate(Authority, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("Auth:Authority must be an absolute URL.", [nameof(Authority)]);
        }
    }
}
