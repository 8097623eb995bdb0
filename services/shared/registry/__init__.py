"""The target registry: credentials (static or Amazon ECR), the OCI distribution API, error classes."""
