"""A local double of the Huawei Cloud APIs used by hwcloud.bandwidth (IAM, Workspace, VPC/EIP, BSS)."""
