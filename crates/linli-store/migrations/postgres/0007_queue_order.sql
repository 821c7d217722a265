-- A worker's queue of one state, ordered as the queue shows it (requests without a deadline
-- last, then by deadline and age): the planners walk this index and stop after a page instead
-- of sorting every open request of the community.
CREATE INDEX work_item_queue_order ON work_item (community_code, kind, state, (due_at IS NULL), due_at, created_at);
