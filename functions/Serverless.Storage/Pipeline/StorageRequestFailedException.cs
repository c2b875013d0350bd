namespace Serverless.Storage;

/// <summary>The storage service answered with an error status.</summary>
public class StorageRequestFailedException : Exception
{
    public StorageRequestFailedException(int status, string? errorCode, string message)
        : base(message)
    {
        Status = status;
        ErrorCode = errorCode;
    }

    public StorageRequestFailedException(int status, string? errorCode, string message, Exception? innerException)
        : base(message, innerException)
    {
        Status = status;
        ErrorCode = errorCode;
    }

    public int Status { get; }

    /// <summary>The service's error code (x-ms-error-code or the body's code), e.g. "EntityAlreadyExists".</summary>
    public string? ErrorCode { get; }
}

/// <summary>A conditional request failed (412): the ETag no longer matches.</summary>
public class StorageConcurrencyException : StorageRequestFailedException
{
    public StorageConcurrencyException(int status, string? errorCode, string message)
        : base(status, errorCode, message)
    {
    }
}

/// <summary>A table transaction was rejected as a whole; <see cref="FailedIndex"/> is the action that caused it (-1 when unknown).</summary>
public sealed class TableTransactionFailedException : StorageRequestFailedException
{
    public TableTransactionFailedException(int status, string? errorCode, string message, int failedIndex)
        : base(status, errorCode, message)
    {
        FailedIndex = failedIndex;
    }

    public int FailedIndex { get; }
}

/// <summary>An upload yielded more bytes than <see cref="BlobUploadOptions.MaxLength"/>; nothing was committed.</summary>
public sealed class BlobTooLargeException : Exception
{
    public BlobTooLargeException(long maxLength)
        : base($"The content is larger than the allowed {maxLength} bytes.")
    {
        MaxLength = maxLength;
    }

    public long MaxLength { get; }
}
