-- The minute job that moves complaints with an overdue reply to their street office looks
-- across every community; without this index it read every work item each minute (0.3–0.5 s
-- and a connection's page cache refilled each time at district scale). The condition matches
-- the job's query word for word, so both planners use it.
CREATE INDEX work_item_complaint_reply_due ON work_item (due_at)
    WHERE kind = 'complaint' AND state IN ('accepted', 'investigating', 'handling');
