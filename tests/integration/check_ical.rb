#!/usr/bin/ruby
# Reads every *.ics under a folder with Ruby's icalendar gem (Debian's
# ruby-icalendar, as Rails apps use it) and prints, as one JSON document,
# each event's UID and its start and end in UTC:
#
#     ruby check_ical.rb EXPORTDIR
#
# {"FEEDPATH": {"events": [{"uid", "dtstart_utc", "dtend_utc"}, ...]}},
# FEEDPATH relative to EXPORTDIR, events sorted as check_ical.py sorts
# them.  TZID-local times are converted by the gem itself, with the
# VTIMEZONE of the same file: that is what is being checked.  Exit 1,
# naming the file, when a file does not parse.
require "find"
require "json"
require "stringio" # icalendar 2.8's parser uses it without requiring it
require "icalendar"

def utc(value)
  return nil if value.nil?
  return value.strftime("%Y-%m-%d") if value.is_a?(Icalendar::Values::Date)
  value.to_time.utc.strftime("%Y-%m-%dT%H:%M:%SZ")
end

top = ARGV[0] or abort "usage: check_ical.rb EXPORTDIR"
# An export folder is a link to its generation: Find does not follow links.
top = File.realpath(top)
out = {}
status = 0
files = []
Find.find(top) { |f| files << f if f.end_with?(".ics") && File.file?(f) }
files.sort.each do |path|
  rel = path.sub(%r{\A#{Regexp.escape(top)}/?}, "")
  begin
    cals = Icalendar::Calendar.parse(File.read(path, encoding: "UTF-8"))
    raise "no VCALENDAR" if cals.empty?
    events = cals.flat_map(&:events).map do |ev|
      { "uid" => ev.uid.to_s, "dtstart_utc" => utc(ev.dtstart), "dtend_utc" => utc(ev.dtend) }
    end
    events.sort_by! { |e| (e["dtstart_utc"] || "") + e["uid"] }
    out[rel] = { "events" => events }
  rescue StandardError => e
    warn "#{rel}: #{e.class}: #{e.message}"
    status = 1
  end
end
puts JSON.generate(out)
exit status
