// SPDX-License-Identifier: Apache-2.0

/// A value behind one reference, copied on write: a struct of many fields (a table row) that keeps its fields here
/// is copied as one reference, so the arrays of thousands of them that versions of the table share copy and
/// retain one pointer per element, and elements nobody changed compare equal by identity. Value semantics are
/// kept: a write first copies storage that anything else still references.
struct CopyOnWrite<Value: Hashable & Sendable>: Hashable, Sendable {
    // Internal to the module of the rows: called unspecialized from another module, every field read copied the
    // whole value through its metadata (a table build took 17 ms instead of 4.5).
    private final class Storage: @unchecked Sendable {
        // Written only through `value`'s `_modify`, after the reference was found unique: a shared storage (the
        // only kind another thread can see) is never written.
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    private var storage: Storage

    init(_ value: Value) { storage = Storage(value) }

    var value: Value {
        _read { yield storage.value }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.value) }
            yield &storage.value
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.value == rhs.storage.value
    }

    func hash(into hasher: inout Hasher) { storage.value.hash(into: &hasher) }
}
