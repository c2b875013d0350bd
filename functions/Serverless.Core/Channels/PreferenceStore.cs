using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Azure;
using Azure.Data.Tables;
using Serverless.Core.Auth;
using Serverless.Core.Hosting;
using Serverless.Core.Storage;

namespace Serverless.Core.Channels;

/// <summary>
/// Per-user channel state in one partition per user (<c>{tenant}|{user}</c>): the preferences document and the contact row
/// (the email address from the user's last authenticated request). Both are point reads at delivery time.
/// </summary>
public sealed class PreferenceStore(StorageAccount account, TemplateChannels templates, TimeProvider time)
{
    internal const string PreferencesRow = "preferences";
    internal const string ContactRow = "contact";

    private readonly TableClient _table = account.GetTableClient(StorageNames.PreferencesTable);

    public TableClient Table => _table;

    public static string Partition(string tenantId, string userId) => tenantId + "|" + userId;

    public async Task<NotificationPreferences> GetAsync(string tenantId, string userId, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(Partition(tenantId, userId), PreferencesRow, cancellationToken: cancellationToken);
        return NotificationPreferences.FromStored(entity?.GetLongString("Document"), templates);
    }

    public async Task SaveAsync(string tenantId, string userId, NotificationPreferences preferences, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(Partition(tenantId, userId), PreferencesRow) { ["UpdatedAt"] = time.GetUtcNow() };
        entity.SetLongString("Document", preferences.ToJson());
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<string?> GetEmailAsync(string tenantId, string userId, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityOrDefaultAsync(Partition(tenantId, userId), ContactRow, ["Email"], cancellationToken);
        return entity?.GetString("Email") is { Length: > 0 } email ? email : null;
    }

    public async Task SetEmailAsync(string tenantId, string userId, string email, CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(
            new TableEntity(Partition(tenantId, userId), ContactRow) { ["Email"] = email, ["SeenAt"] = time.GetUtcNow() },
            TableUpdateMode.Merge,
            cancellationToken);
}

/// <summary>
/// Records the token's email claim as the user's address. A process remembers what it wrote, so a user costs one write
/// per address change (or per instance start), not one per request; a failure never fails the request.
/// </summary>
public sealed class ContactDirectory(PreferenceStore store, ILogger<ContactDirectory> logger)
{
    private const int CacheLimit = 100_000;
    private readonly ConcurrentDictionary<string, string> _recorded = new(StringComparer.Ordinal);

    public async Task RememberAsync(CallerPrincipal caller, CancellationToken cancellationToken)
    {
        if (caller.Email is not { Length: > 0 and <= 254 } email || !MimeKit.MailboxAddress.TryParse(email, out _))
        {
            return;
        }

        var key = PreferenceStore.Partition(caller.TenantId, caller.UserId);
        if (_recorded.TryGetValue(key, out var known) && known == email)
        {
            return;
        }

        try
        {
            await store.SetEmailAsync(caller.TenantId, caller.UserId, email, cancellationToken);
            if (_recorded.Count >= CacheLimit)
            {
                _recorded.Clear();
            }

            _recorded[key] = email;
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException)
        {
            logger.LogWarning("Could not record the email address of a caller: {Error}", ex.GetType().Name);
        }
    }
}
