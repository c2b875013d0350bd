using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Inbox;

/// <summary>Optional inbox filters from the query string; values reach OData only through <see cref="TableFilter"/>.</summary>
/// <remarks>
/// Archived: false (the default) leaves archived rows out, true lists only them. Rows are written with Archived=false,
/// and "not archived" is <c>not (Archived eq true)</c> so that a row written before the property existed also counts as not archived.
/// </remarks>
public sealed record InboxFilter(bool UnreadOnly, string? Type, string? Priority, bool Archived = false)
{
    public static readonly InboxFilter None = new(false, null, null);

    /// <summary>True when no filter was asked for: the afterSeq recovery path then returns every row, archived ones flagged.</summary>
    public bool IsNone => !UnreadOnly && Type is null && Priority is null && !Archived;

    public string ToODataSuffix()
    {
        var suffix = Archived
            ? TableClient.CreateQueryFilter($" and Archived eq {true}")
            : TableClient.CreateQueryFilter($" and not (Archived eq {true})");
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

        return suffix;
    }
}
