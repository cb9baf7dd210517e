"""How the provider reaches AWS: connection settings and clients, pacing under the request
quotas, AWS's errors, what S3 says of source objects, and how to wait. It loads no pulumi and
imports nothing of the core."""
