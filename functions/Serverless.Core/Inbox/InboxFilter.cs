using Azure.Data.Tables;

namespace Serverless.Core.Inbox;

/// <summary>Optional inbox filters from the query string or a bulk request; values reach OData only through <c>TableClient.CreateQueryFilter</c>.</summary>
/// <remarks>
/// Archived and Snoozed: false (the default) leaves those rows out, true lists only them. "Not archived" is
/// <c>not (Archived eq true)</c> (likewise for Snoozed) so that a row written before the property existed counts as not archived.
/// Before: only items created before that instant. Channel: the wire name (web, email, sms, mobile_push).
/// </remarks>
public sealed record InboxFilter(bool UnreadOnly, string? Type, string? Priority, bool Archived = false)
{
    public static readonly InboxFilter None = new(false, null, null);

    public string? Channel { get; init; }

    public bool Snoozed { get; init; }

    public DateTimeOffset? Before { get; init; }

    /// <summary>True when no filter was asked for: the afterSeq recovery path then returns every row, archived and snoozed ones flagged.</summary>
    public bool IsNone => !UnreadOnly && Type is null && Priority is null && !Archived && Channel is null && !Snoozed && Before is null;

    public string ToODataSuffix()
    {
        var suffix = Archived
            ? TableClient.CreateQueryFilter($" and Archived eq {true}")
            : TableClient.CreateQueryFilter($" and not (Archived eq {true})");
        suffix += Snoozed
            ? TableClient.CreateQueryFilter($" and Snoozed eq {true}")
            : TableClient.CreateQueryFilter($" and not (Snoozed eq {true})");
        if (UnreadOnly)
        {
            suffix += TableClient.CreateQueryFilter($" and IsRead eq {false}");
        }

        if (Type is not null)
        {
            suffix += TableClient.CreateQueryFilter($" and Type eq {Type}");
        }

        if (Priority is not null)
        {
            suffix += TableClient.CreateQueryFilter($" and Priority eq {Priority}");
        }

        if (Channel is not null)
        {
            suffix += TableClient.CreateQueryFilter($" and Channel eq {Channel}");
        }

        if (Before is { } before)
        {
            suffix += TableClient.CreateQueryFilter($" and CreatedAt lt {before}");
        }

        return suffix;
    }
}
