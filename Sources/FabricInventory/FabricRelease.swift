// SPDX-License-Identifier: Apache-2.0

/// The release, defined here only: `fabric-agent --version` prints it, and the Makefile reads it for
/// `make dist` and `make rpm` (the tarball name and the RPM's Version).
public enum FabricRelease {
    public static let version = "0.9.0"
}
