"""deployer: stages a pushed release on the standby colour and asks for approval."""
