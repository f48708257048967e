print("github-sidecar")
