using System.ComponentModel.DataAnnotations;

namespace Serverless.Core.Channels;

/// <summary>Email over SMTP (section "Email"). Off when <see cref="SmtpOptions.Host"/> is empty.</summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string SectionName = "Email";

    /// <summary>The sender address, e.g. <c>Notifications &lt;no-reply@example.com&gt;</c>; required when SMTP is on.</summary>
    public string From { get; set; } = "";

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Where an item's link in an email points: <c>{LinkBaseUrl}/notifications/{id}</c>.</summary>
    public string LinkBaseUrl { get; set; } = "";

    /// <summary>The preferences page the List-Unsubscribe header points at.</summary>
    public string PreferencesUrl { get; set; } = "";

    public bool Enabled => !string.IsNullOrWhiteSpace(Smtp.Host);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!MimeKit.MailboxAddress.TryParse(From, out _))
        {
            yield return new ValidationResult("Email__From must be a mail address when Email__Smtp__Host is set.", [nameof(From)]);
        }

        if (Smtp.Port is < 1 or > 65535)
        {
            yield return new ValidationResult("Email__Smtp__Port must be between 1 and 65535.", [nameof(Smtp)]);
        }

        if (!string.IsNullOrEmpty(Smtp.Username) && string.IsNullOrEmpty(Smtp.Password))
        {
            yield return new ValidationResult("Email__Smtp__Password is required when Email__Smtp__Username is set.", [nameof(Smtp)]);
        }

        foreach (var (name, value) in new[] { ("Email__LinkBaseUrl", LinkBaseUrl), ("Email__PreferencesUrl", PreferencesUrl) })
        {
            if (value.Length > 0 && !Uri.TryCreate(value, UriKind.Absolute, out _))
            {
                yield return new ValidationResult($"{name} must be an absolute URL.", [name]);
            }
        }
    }
}

/// <summary>The SMTP relay (Azure Communication Services' SMTP endpoint or any provider).</summary>
public sealed class SmtpOptions
{
    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    public string Username { get; set; } = "";

    /// <summary>A Key Vault reference in Azure; never logged.</summary>
    public string Password { get; set; } = "";

    /// <summary>True: STARTTLS (or implicit TLS on 465) is required; false: plain SMTP (loopback development servers only).</summary>
    public bool UseTls { get; set; } = true;
}

/// <summary>Mobile push through FCM HTTP v1 and APNs (section "Push"). Each provider is off until configured.</summary>
public sealed class PushOptions : IValidatableObject
{
    public const string SectionName = "Push";

    public FcmOptions Fcm { get; set; } = new();

    public ApnsOptions Apns { get; set; } = new();

    public bool FcmEnabled => !string.IsNullOrWhiteSpace(Fcm.ProjectId);

    public bool ApnsEnabled => !string.IsNullOrWhiteSpace(Apns.KeyId);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (FcmEnabled)
        {
            if (string.IsNullOrWhiteSpace(Fcm.ServiceAccountJson) || FcmServiceAccount.TryParse(Fcm.ServiceAccountJson) is null)
            {
                yield return new ValidationResult(
                    "Push__Fcm__ServiceAccountJson must be a service-account key (JSON with client_email, private_key) when Push__Fcm__ProjectId is set.",
                    [nameof(Fcm)]);
            }

            if (!Uri.TryCreate(Fcm.Endpoint, UriKind.Absolute, out _))
            {
                yield return new ValidationResult("Push__Fcm__Endpoint must be an absolute URL.", [nameof(Fcm)]);
            }
        }

        if (ApnsEnabled)
        {
            if (string.IsNullOrWhiteSpace(Apns.TeamId) || string.IsNullOrWhiteSpace(Apns.Topic))
            {
                yield return new ValidationResult("Push__Apns__TeamId and Push__Apns__Topic are required when Push__Apns__KeyId is set.", [nameof(Apns)]);
            }

            if (!ApnsTokenSigner.IsValidKey(Apns.PrivateKey))
            {
                yield return new ValidationResult("Push__Apns__PrivateKey must be the .p8 key (PKCS#8 PEM, P-256) when Push__Apns__KeyId is set.", [nameof(Apns)]);
            }

            if (!Uri.TryCreate(Apns.Endpoint, UriKind.Absolute, out _))
            {
                yield return new ValidationResult("Push__Apns__Endpoint must be an absolute URL.", [nameof(Apns)]);
            }
        }
    }
}

public sealed class FcmOptions
{
    /// <summary>The Firebase project id; empty turns FCM off.</summary>
    public string ProjectId { get; set; } = "";

    /// <summary>The service-account key JSON (a Key Vault reference in Azure); its token_uri is where the OAuth token comes from.</summary>
    public string ServiceAccountJson { get; set; } = "";

    public string Endpoint { get; set; } = "https://fcm.googleapis.com";
}

public sealed class ApnsOptions
{
    /// <summary>The .p8 key's id; empty turns APNs off.</summary>
    public string KeyId { get; set; } = "";

    public string TeamId { get; set; } = "";

    /// <summary>The app's bundle id (apns-topic).</summary>
    public string Topic { get; set; } = "";

    /// <summary>The .p8 key's PEM text (a Key Vault reference in Azure).</summary>
    public string PrivateKey { get; set; } = "";

    /// <summary>https://api.push.apple.com in production, https://api.sandbox.push.apple.com for development builds.</summary>
    public string Endpoint { get; set; } = "https://api.push.apple.com";
}

/// <summary>Retry rules shared by the email and push queues (section "Channels").</summary>
public sealed class ChannelOptions
{
    public const string SectionName = "Channels";

    /// <summary>Attempts per channel message before it is dead-lettered.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First retry delay; doubles per attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a claimed send is considered in flight before another attempt may take it over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SendLease { get; set; } = TimeSpan.FromMinutes(2);
}
