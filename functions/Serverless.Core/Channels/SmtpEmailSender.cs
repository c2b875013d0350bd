using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Serverless.Core.Channels;

/// <summary>Sends through the configured SMTP relay with MailKit. One connection per send: channel messages arrive spread out.</summary>
public sealed class SmtpEmailSender(IOptions<EmailOptions> options)
{
    private readonly SmtpOptions _smtp = options.Value.Smtp;

    /// <summary>Throws <see cref="EmailSendException"/> with the server's reply (never the credentials) when the send fails.</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient { Timeout = 30_000 };
        try
        {
            var security = !_smtp.UseTls ? SecureSocketOptions.None : _smtp.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;
            await client.ConnectAsync(_smtp.Host, _smtp.Port, security, cancellationToken);
            if (!string.IsNullOrEmpty(_smtp.Username))
            {
                await client.AuthenticateAsync(_smtp.Username, _smtp.Password, cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
        }
        catch (SmtpCommandException ex)
        {
            throw new EmailSendException($"SMTP {(int)ex.StatusCode} {ex.Message}", ex);
        }
        catch (AuthenticationException ex)
        {
            throw new EmailSendException("SMTP authentication failed: " + ex.Message, ex);
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or System.Net.Sockets.SocketException or SslHandshakeException or TimeoutException)
        {
            throw new EmailSendException($"SMTP {ex.GetType().Name}: {ex.Message}", ex);
        }
    }
}

/// <summary>A send the SMTP server refused or that could not reach it; the message is the server's reply.</summary>
public sealed class EmailSendException(string message, Exception inner) : Exception(message, inner);
