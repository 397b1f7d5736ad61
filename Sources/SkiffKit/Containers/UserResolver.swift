/// Docker's `--user` forms — "uid", "uid:gid", "name", "name:group" — resolved against the image's
/// /etc/passwd and /etc/group, with the supplementary groups: the primary group, then those the user is
/// a member of. `home` is the passwd entry's home directory (nil when the user has no entry).
package struct ResolvedUser: Sendable, Equatable {
    package var uid: UInt32
    package var gid: UInt32
    package var additionalGids: [UInt32]
    package var home: String?
}

package enum UserResolver {
    package static func resolve(_ spec: String?, passwd: String?, group: String?, image: String) throws(KitError)
        -> ResolvedUser
    {
        let text = spec ?? ""
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts.first ?? ""
        let groupPart = parts.count > 1 ? parts[1] : nil
        let users = parseTable(passwd)
        let groups = parseTable(group)

        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var name: String?
        var home: String?
        if userPart.isEmpty {
            if let root = users.first(where: { $0.count > 2 && $0[2] == "0" }) { name = root[0]; home = field(root, 5) }
        } else if let n = UInt32(userPart) {
            uid = n
            if let entry = users.first(where: { field($0, 2) == userPart }) {
                gid = UInt32(field(entry, 3) ?? "") ?? 0
                name = entry[0]
                home = field(entry, 5)
            }
        } else {
            guard let entry = users.first(where: { $0[0] == userPart }), let u = UInt32(field(entry, 2) ?? "") else {
                throw .userNotFound(userPart, image: image)
            }
            uid = u
            gid = UInt32(field(entry, 3) ?? "") ?? 0
            name = userPart
            home = field(entry, 5)
        }
        if let groupPart, !groupPart.isEmpty {
            if let g = UInt32(groupPart) {
                gid = g
            } else {
                guard let entry = groups.first(where: { $0[0] == groupPart }), let g = UInt32(field(entry, 2) ?? "")
                else {
                    throw .groupNotFound(groupPart, image: image)
                }
                gid = g
            }
        }
        // Docker (runc's setgroups): the supplementary groups start with the primary group, so `id` shows
        // it in groups= and getgroups() is never empty.
        var additional: [UInt32] = [gid]
        if let name, groupPart == nil {
            for entry in groups {
                guard let members = field(entry, 3), let g = UInt32(field(entry, 2) ?? "") else { continue }
                if members.split(separator: ",").contains(where: { $0 == name }), g != gid, !additional.contains(g) {
                    additional.append(g)
                }
            }
        }
        return ResolvedUser(uid: uid, gid: gid, additionalGids: additional, home: home)
    }

    /// `--group-add` / compose `group_add`: numbers as they are, names looked up in the image's /etc/group.
    public static func groupIDs(_ names: [String], group: String?, image: String) throws(KitError) -> [UInt32] {
        let groups = parseTable(group)
        var ids: [UInt32] = []
        for name in names {
            if let g = UInt32(name) { ids.append(g); continue }
            guard let entry = groups.first(where: { $0[0] == name }), let g = UInt32(field(entry, 2) ?? "") else {
                throw .groupNotFound(name, image: image)
            }
            ids.append(g)
        }
        return ids
    }

    static func parseTable(_ text: String?) -> [[String]] {
        guard let text else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let trimmed = line.filter { $0 != "\r" }.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
            return trimmed.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
    }

    static func field(_ entry: [String], _ i: Int) -> String? { i < entry.count ? entry[i] : nil }
}
