using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Core.Audit;
using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Core.Http;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Support;

/// <summary>
/// POST /api/member/channel/support/ticket: only an organisation's root owner may open a ticket with us; everyone else is
/// told to contact their org admin. Stored in the tickets table (PartitionKey = tenant) and audited. An Idempotency-Key
/// header makes retries return the same ticket instead of opening another.
/// </summary>
public sealed class SupportTicketApi(RequestAuthenticator auth, StorageAccount account, AuditLog audit, TimeProvider time, ILogger<SupportTicketApi> logger)
{
    private const int MaxSubjectLength = 200;
    private const int MaxBodyLength = 10_000;
    private const int MaxIdempotencyKeyLength = 128;

    private readonly TableClient _table = account.GetTableClient(StorageNames.TicketsTable);

    public Task<IResult> CreateAsync(HttpContext context) => ApiEndpoint.RunAsync(context, logger, async () =>
    {
        var caller = await auth.RequireAsync(context.Request);
        if (!caller.IsInRole(Roles.OrgRootOwner))
        {
            // The code is part of the mobile contract (lower case on purpose): the app shows "contact your org admin".
            throw ApiException.Forbidden("contact_your_org_admin", "Support tickets are opened by your organisation's owner; contact your org admin.");
        }

        var body = await RequestBody.ReadJsonAsync<TicketRequest>(context.Request, cancellationToken: context.RequestAborted);
        var subject = RequireText(body.Subject, "subject", MaxSubjectLength, allowNewLines: false);
        var text = RequireText(body.Body, "body", MaxBodyLength, allowNewLines: true);

        var idempotencyKey = context.Request.Headers["Idempotency-Key"].ToString();
        if (idempotencyKey.Length > MaxIdempotencyKeyLength || idempotencyKey.Any(char.IsControl))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'Idempotency-Key' must be at most {MaxIdempotencyKeyLength} printable characters.");
        }

        var ticketId = idempotencyKey.Length > 0
            ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(caller.TenantId + "|" + caller.UserId + "|" + idempotencyKey)))[..32]
            : Guid.NewGuid().ToString("N");
        var entity = new TableEntity(caller.TenantId, ticketId)
        {
            ["UserId"] = caller.UserId,
            ["Subject"] = subject,
            ["Body"] = text,
            ["Status"] = "open",
            ["CreatedAt"] = time.GetUtcNow(),
        };
        try
        {
            await _table.AddEntityAsync(entity, context.RequestAborted);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // The same Idempotency-Key again: the ticket (and its audit entry) already exist.
            return Results.Json(new { ticketId }, ApiJson.Options, statusCode: StatusCodes.Status201Created);
        }

        await audit.AppendAsync(
            caller.TenantId, caller.UserId, "support.ticket", ticketId, null, new { ticketId, subject },
            AuditSensitivity.Normal, Correlation.GetOrCreate(context), CancellationToken.None); // the ticket exists: record it even if the caller hung up
        return Results.Json(new { ticketId }, ApiJson.Options, statusCode: StatusCodes.Status201Created);
    });

    private static string RequireText(string? value, string name, int maxLength, bool allowNewLines)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > maxLength
            || trimmed.Any(c => char.IsControl(c) && !(allowNewLines && c is '\n' or '\r' or '\t')))
        {
            throw ApiException.BadRequest("VALIDATION_ERROR", $"'{name}' is required: at most {maxLength} printable characters.");
        }

        return trimmed;
    }

    private sealed record TicketRequest(string? Subject, string? Body);
}
