DROP TABLE delivery_hosts;
DROP TABLE deliveries;
DROP TABLE outgoing_activities;
