-- SPDX-License-Identifier: GPL-2.0-or-later
--
-- hs_min.lua - the minimal Lua post-dissector users write instead of
-- Handshake, as a yardstick for the benchmark (bench.py, third column).
--
-- It reads the same TCP fields as the plugin (tcp.flags, tcp.seq_raw,
-- tcp.ack_raw, tcp.len, tcp.stream), keeps one table per tcp.stream with
-- the initial sequence numbers and a coarse state, labels SYN / SYN+ACK /
-- handshake ACK / FIN, and adds one text field.  Far less than the plugin.
--
--   tshark -X lua_script:hs_min.lua -r capture.pcap
local f_flags  = Field.new("tcp.flags")
local f_seq    = Field.new("tcp.seq_raw")
local f_ack    = Field.new("tcp.ack_raw")
local f_len    = Field.new("tcp.len")
local f_stream = Field.new("tcp.stream")

local p = Proto("hs_min", "Handshake (minimal Lua)")
local pf_label = ProtoField.string("hs_min.label", "Label")
p.fields = { pf_label }

local streams = {}   -- tcp.stream -> { isn = {x, y}, state = ... }
local labels = {}    -- frame number -> label (computed on the first pass)

local SYN, ACK, FIN, RST = 0x002, 0x010, 0x001, 0x004

function p.dissector(tvb, pinfo, tree)
    local label
    if not pinfo.visited then
        local fl, st = f_flags(), f_stream()
        if not fl or not st then return end
        local flags, stream = fl.value, st.value
        local seq, ack, len = f_seq(), f_ack(), f_len()
        seq = seq and seq.value or 0
        ack = ack and ack.value or 0
        len = len and len.value or 0
        local s = streams[stream]
        if not s then
            s = { x = nil, y = nil, state = 0, pkts = 0 }
            streams[stream] = s
        end
        s.pkts = s.pkts + 1
        if bit32.band(flags, RST) ~= 0 then
            label = "RST"; s.state = 9
        elseif bit32.band(flags, SYN) ~= 0 then
            if bit32.band(flags, ACK) ~= 0 then
                s.y = seq; s.state = 2
                label = (s.x and ack == (s.x + 1) % 4294967296) and "SYN+ACK(y,x+1)" or "SYN+ACK"
            else
                s.x = seq; s.state = 1; label = "SYN(x)"
            end
        elseif bit32.band(flags, FIN) ~= 0 then
            s.state = s.state < 4 and 4 or 5
            label = "FIN"
        elseif s.state == 2 and s.y and ack == (s.y + 1) % 4294967296 then
            s.state = 3; label = "ACK(y+1)"
        end
        labels[pinfo.number] = label or false
    else
        label = labels[pinfo.number]
    end
    if label and tree then
        tree:add(pf_label, label)
    end
end

function p.init()
    streams = {}
    labels = {}
end

register_postdissector(p)
