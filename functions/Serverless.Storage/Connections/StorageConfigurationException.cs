namespace Serverless.Storage;

/// <summary>A storage connection setting is missing or malformed. The message names the setting, never its secret.</summary>
public sealed class StorageConfigurationException : Exception
{
    public StorageConfigurationException(string message)
        : base(message)
    {
    }

    public StorageConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
