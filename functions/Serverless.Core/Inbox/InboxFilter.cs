using Azure;
using Azure.Data.Tables;
using Serverless.Core.Storage;

namespace Serverless.Core.Inbox;

/// <summary>Optional inbox filters from the query string; values reach OData only through <see cref="TableFilter"/>.</summary>
public sealed record InboxFilter(bool UnreadOnly, string? Type, string? Priority)
{
    public static readonly InboxFilter None = new(false, null, null);

    /// <summary>True when no filter was asked for (only expired rows are left out).</summary>
    public bool IsNone => !UnreadOnly && Type is null && Priority is null;

    public string ToODataSuffix()
    {
        var suffix = "";
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
