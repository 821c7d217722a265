-- The register's search box (register/matching.rs): each reading of what was typed — the tail
-- of an ID or phone number, a room, pinyin or initials, part of a name — is answered from an
-- index within the community instead of reading all of its residents.
CREATE INDEX resident_document_tail ON resident (community_code, document_tail);
CREATE INDEX resident_phone_tail ON resident (community_code, phone_tail);
CREATE INDEX resident_pinyin ON resident (community_code, pinyin);
CREATE INDEX resident_initials ON resident (community_code, initials);
CREATE INDEX resident_name ON resident (community_code, name);
CREATE INDEX household_room ON household (community_code, room);

-- A household's residents and a building's households by both keys of the join, so that a
-- planner without statistics (SQLite's, until ANALYZE) sees these as narrower than a
-- community's whole index and follows them from the few matches found above.
DROP INDEX resident_household;
CREATE INDEX resident_household ON resident (household_id, community_code);
CREATE INDEX household_building ON household (building_id, community_code);
-- A resident's categories, for every row of a list (the tags column): by resident, not by
-- scanning the community's tags.
CREATE INDEX resident_tag_resident ON resident_tag (resident_id, community_code);
