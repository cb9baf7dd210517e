"""The native Pulumi provider plugin `healthomics` (`pulumi-resource-healthomics`): its gRPC
server and the wire form, over the core."""
