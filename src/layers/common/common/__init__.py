"""The shared layer: HTTP request/response handling and DynamoDB access for every function."""
