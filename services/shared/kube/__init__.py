"""The Platform interface on Kubernetes, through kubernetes-asyncio: `platform.KubePlatform`, opened by
`opening.open_kube_platform`. Nothing is imported here, so settings can be read without loading the client."""
