// SPDX-License-Identifier: Apache-2.0

/// Namespace URIs fabric looks up. Elements are matched by URI, never by prefix: the engine and VDSM
/// may declare the same namespace twice or under another prefix.
public enum XMLNamespace {
    /// `ovirt-vm`: VM and per-device metadata written by the engine and VDSM.
    public static let ovirtVM = "http://ovirt.org/vm/1.0"
    /// `ovirt-tune`: tuning metadata.
    public static let ovirtTune = "http://ovirt.org/vm/tune/1.0"
}
