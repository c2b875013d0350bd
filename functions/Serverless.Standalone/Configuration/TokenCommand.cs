using Serverless.Core.Auth;

namespace Serverless.Standalone.Configuration;

/// <summary>
/// `token --user u1 --tenant t1 --role notifications.publish [--role ...] [--minutes 60] [--email a@b.c] [--app]`: prints a bearer token
/// (`--app`: an app-only token, idtyp "app", as a producer service gets from Entra ID with client credentials)
/// signed with the local Auth:SigningKey, for curl and SPA experiments against the standalone host.
/// </summary>
public static class TokenCommand
{
    public static int Run(IConfiguration configuration, string[] args, TextWriter output, TextWriter error)
    {
        string? user = null, tenant = null, email = null;
        var roles = new List<string>();
        var minutes = 60;
        var application = false;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--user": user = value; i++; break;
                case "--tenant": tenant = value; i++; break;
                case "--email": email = value; i++; break;
                case "--app": application = true; break;
                case "--role": if (value is not null) { roles.Add(value); } i++; break;
                case "--minutes" when int.TryParse(value, out var m) && m > 0: minutes = m; i++; break;
                default:
                    error.WriteLine($"Unknown argument '{args[i]}'.");
                    return Usage(error);
            }
        }

        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(tenant))
        {
            return Usage(error);
        }

        var options = new AuthOptions();
        configuration.GetSection(AuthOptions.SectionName).Bind(options);
        try
        {
            output.WriteLine(LocalTokenIssuer.Issue(options, user, tenant, roles, TimeSpan.FromMinutes(minutes), email, application));
            return 0;
        }
        catch (InvalidOperationException ex)
        {
            error.WriteLine(ex.Message);
            return 1;
        }
    }

    private static int Usage(TextWriter error)
    {
        error.WriteLine("usage: token --user <id> --tenant <id> [--role <role>]... [--minutes <n>] [--email <address>] [--app]");
        return 2;
    }
}
